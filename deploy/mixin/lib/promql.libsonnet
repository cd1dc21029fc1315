// PromQL and alert-template pieces shared by the rules, the alerts and the
// dashboards, so that one change of the selector or of a label reaches all.
{
  // `{<selector>, <matchers>}`: the exporter's selector plus more matchers.
  selector(config, matchers=''):
    '{%s%s}' % [config.accept4Selector, if matchers == '' then '' else ', ' + matchers],

  // The labels that are summed away to get one series per process and
  // listener. Aggregating `without` them keeps job, instance and every
  // other target label, and pid and port when the exporter has them.
  callDetailLabels: 'syscall, flags, family',

  // The labels two series of one process and listener share; used to
  // join series of different metrics. A label the exporter does not have
  // (pid or port switched off) is empty on both sides and still matches.
  processListenerJoin: 'job, instance, comm, pid, port',

  // A threshold as PromQL writes it: 0.95, not 0.94999999999999996, and
  // every digit of a bucket bound such as 0.001048576 (15 significant
  // digits, as the exporter prints le; whole numbers apart: jsonnet's %g
  // fails on 0).
  number(x): if x == std.floor(x) then '%d' % x else '%.15g' % x,

  // "nginx (pid 42) on host-a:10044", or "nginx on host-a:10044" when the
  // exporter runs with labels.pid: false.
  processTemplate:
    '{{ $labels.comm }}{{ with $labels.pid }} (pid {{ . }}){{ end }} on {{ $labels.instance }}',
  // " (port 8080)" when the exporter has the port label.
  portTemplate: '{{ with $labels.port }} (port {{ . }}){{ end }}',
}
