// The Grafana dashboards of the mixin, one JSON file each (jsonnet -m).
local mixin = import 'mixin.libsonnet';

mixin.grafanaDashboards
