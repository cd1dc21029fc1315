// Recording rules: per process and listener, never across hosts. Level
// `process_listener` means every label but syscall, flags, family (and
// errno): job, instance, comm, pid, listener, readiness, and port when the
// exporter has them.
local promql = import 'lib/promql.libsonnet';

{
  prometheusRules+:: {
    local config = $._config,
    local sel(m='') = promql.selector(config, m),
    local w = config.rateWindow,
    groups+: [
      {
        name: 'accept4.rules',
        rules: [
          {
            record: 'process_listener:accept4_calls:rate' + w,
            expr: |||
              sum without (%(details)s) (rate(accept4_calls_total%(sel)s[%(w)s]))
            ||| % { details: promql.callDetailLabels, sel: sel(), w: w },
          },
          {
            record: 'process_listener:accept4_eagain_errors:rate' + w,
            expr: |||
              sum without (%(details)s, errno) (rate(accept4_errors_total%(sel)s[%(w)s]))
            ||| % { details: promql.callDetailLabels, sel: sel('errno="EAGAIN"'), w: w },
          },
          {
            // Share of a process's calls on a listener that found nothing
            // to accept. About 0.5 for an event loop that accepts until
            // EAGAIN; near 1 when it polls accept or races other processes.
            record: 'process_listener:accept4_eagain:ratio_rate' + w,
            expr: |||
              process_listener:accept4_eagain_errors:rate%(w)s%(sel)s
                /
              process_listener:accept4_calls:rate%(w)s%(sel)s
            ||| % { sel: sel(), w: w },
          },
          {
            // Mean listen queue length seen by accept over the queue limit.
            // A limit of 0 (listen(fd, 0)) still admits one connection, so
            // a ratio over it means nothing: those listeners are left out.
            record: 'process_listener:accept4_listen_backlog_fill:ratio_rate' + w,
            expr: |||
              (
                  sum without (family) (rate(accept4_listen_backlog_sum%(sel)s[%(w)s]))
                /
                  sum without (family) (rate(accept4_listen_backlog_count%(sel)s[%(w)s]))
              )
                /
              (max without (family) (accept4_listen_backlog_limit%(sel)s) > 0)
            ||| % { sel: sel(), w: w },
          },
        ],
      },
    ],
  },
}
