// The Prometheus rule file, as JSON: recording rules and alerts of the
// mixin. generate turns it into YAML with rules_to_yaml.py (jsonnet's own
// YAML output takes minutes on these strings).
local mixin = import 'mixin.libsonnet';

{
  groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups,
}
