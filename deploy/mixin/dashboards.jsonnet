// The Grafana dashboards of the mixin, one JSON file each (jsonnet -m -S).
local mixin = import 'mixin.libsonnet';

{
  [name]: std.manifestJsonEx(mixin.grafanaDashboards[name], '  ') + '\n'
  for name in std.objectFields(mixin.grafanaDashboards)
}
