// The Prometheus rule file: recording rules and alerts of the mixin.
local mixin = import 'mixin.libsonnet';

'# Generated from deploy/mixin by deploy/mixin/generate: edit the mixin, not this file.\n'
+ std.manifestYamlDoc({
  groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups,
}, indent_array_in_object=true, quote_keys=false)
