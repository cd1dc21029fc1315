// Alerts. Every expression keeps job and instance (aggregations go
// `without` the per-call labels), so one process on two hosts is two alerts,
// and every alert names its host and links its section of docs/runbook.md.
local promql = import 'lib/promql.libsonnet';

{
  prometheusAlerts+:: {
    local config = $._config,
    local sel(m='') = promql.selector(config, m),
    local w = config.rateWindow,
    local process = promql.processTemplate,
    local port = promql.portTemplate,
    local details = promql.callDetailLabels,
    local join = promql.processListenerJoin,

    local alert(name, severity, expr, summary, description, forDuration=null) = {
      alert: name,
      expr: expr,
      [if forDuration != null then 'for']: forDuration,
      labels: { severity: severity },
      annotations: {
        summary: summary,
        description: description,
        runbook_url: config.runbookURLPattern % std.asciiLower(name),
      },
    },

    // Series of a counter that made events within `window`. A series is
    // born at its first non-zero count, so increase() alone misses the
    // first burst of a new series (and often its only one): a series that
    // exists now but did not `window` ago is counted with its whole value.
    // Such a series only counts as new when Prometheus already scraped the
    // target back then, so that a fresh Prometheus does not mistake every
    // old series for a new one.
    local eventsWithin(series, window) = |||
      (
          (%(series)s unless %(series)s offset %(window)s)
        and on (job, instance)
          (up%(up)s offset %(window)s)
      )
      or
      increase(%(series)s[%(window)s])
    ||| % { series: series, window: window, up: sel() },

    // Processes of one command on one listener that each find nothing to
    // accept most of the time: a thundering herd (value: how many).
    local herd = |||
      count without (pid) (
        process_listener:accept4_eagain:ratio_rate%(w)s%(sel)s > %(ratio)s
      ) >= %(min)s
      and
      sum without (pid) (process_listener:accept4_eagain_errors:rate%(w)s%(sel)s) > %(rate)s
    ||| % {
      w: w,
      sel: sel(),
      ratio: promql.number(config.herdEagainRatio),
      min: config.herdMinProcesses,
      rate: promql.number(config.herdEagainPerSecond),
    },

    groups+: [
      {
        name: 'accept4.alerts',
        rules: [
          alert(
            'Accept4BlockingListenerWatchedByEpoll',
            'warning',
            |||
              sum without (%(details)s) (
                %(events)s
              ) > 0
            ||| % {
              details: details,
              events: std.strReplace(std.rstripChars(
                eventsWithin('accept4_calls_total' + sel('listener="blocking", readiness="epoll"'),
                             config.blockingEpollWindow), '\n'),
                '\n', '\n  '
              ),
            },
            process + ' accepts on a blocking listener' + port + ' that an epoll set watches',
            'A readiness event on a blocking listener can be stale (another thread or process took the connection first); the event loop then blocks inside accept until the next client arrives. '
            + '{{ $value | humanize }} such accepts in the last ' + config.blockingEpollWindow
            + '. Make the listener non-blocking: SOCK_NONBLOCK at socket(2) or fcntl(F_SETFL, O_NONBLOCK).',
          ),
          alert(
            'Accept4EventLoopStalledInAccept',
            'critical',
            |||
              max without (syscall) (
                accept4_inflight_oldest_seconds%(sel)s
              ) > %(seconds)s
            ||| % {
              sel: sel('listener="blocking", readiness="epoll"'),
              seconds: promql.number(config.eventLoopStallSeconds),
            },
            process + ' is stuck inside accept for {{ $value | humanizeDuration }} on a blocking listener' + port + ' that epoll watches',
            'A thread of an event loop is blocked in accept on a listener that an epoll set watches: every connection and timer of that loop waits until a new client arrives. '
            + 'The alert lasts as long as the call does. Make the listener non-blocking (SOCK_NONBLOCK at socket(2) or fcntl O_NONBLOCK).',
          ),
          alert(
            'Accept4AcceptLoopHung',
            'warning',
            |||
              max without (syscall) (
                accept4_inflight_oldest_seconds%(inflight)s
              ) > %(seconds)s
              and on (%(join)s)
              accept4_calls_total%(nonblocking)s
            ||| % {
              inflight: sel('listener="blocking", readiness!="epoll"'),
              seconds: promql.number(config.acceptLoopHungSeconds),
              join: join,
              nonblocking: sel('listener="blocking", flags=~".*SOCK_NONBLOCK.*"'),
            },
            process + ' has waited inside accept for {{ $value | humanizeDuration }} on a blocking listener' + port + ' while it makes non-blocking connections',
            'Processes that make SOCK_NONBLOCK connections are usually event loops, and an event loop must not wait in accept. No epoll registration of the listener was seen (poll or select keep none), so this may also be a dedicated acceptor thread that is simply idle: see the runbook to tell them apart and to silence it for one process. '
            + 'The alert lasts as long as the call does.',
          ),
          alert(
            'Accept4EagainBusySpin',
            'warning',
            |||
              (
                  process_listener:accept4_eagain:ratio_rate%(w)s%(sel)s > %(ratio)s
                and
                  process_listener:accept4_eagain_errors:rate%(w)s%(sel)s > %(rate)s
              )
              unless on (job, instance, comm, port, listener, readiness)
              (
                %(herd)s
              )
            ||| % {
              w: w,
              sel: sel(),
              ratio: promql.number(config.busySpinEagainRatio),
              rate: promql.number(config.busySpinEagainPerSecond),
              herd: std.strReplace(std.rstripChars(herd, '\n'), '\n', '\n  '),
            },
            process + ' spins on accept: {{ $value | humanizePercentage }} of its calls on a {{ $labels.listener }} listener' + port + ' return EAGAIN',
            'The process calls accept far more often than connections arrive, burning CPU: it polls accept in a loop instead of waiting for readiness (epoll, poll), or waits on a level-triggered event it never drains.',
            config.busySpinFor,
          ),
          alert(
            'Accept4ThunderingHerd',
            'warning',
            herd,
            '{{ $value }} {{ $labels.comm }} processes on {{ $labels.instance }} race for one {{ $labels.listener }} listener' + port,
            'Every connection wakes all these processes and all but one find nothing to accept (EAGAIN). Use SO_REUSEPORT (one listener per process), EPOLLEXCLUSIVE, or an accept mutex.',
            config.herdFor,
          ),
          alert(
            'Accept4FdExhaustion',
            'critical',
            |||
              sum without (%(details)s, listener, readiness) (
                %(events)s
              ) > 0
            ||| % {
              details: details,
              events: std.strReplace(std.rstripChars(
                eventsWithin('accept4_errors_total' + sel('errno=~"EMFILE|ENFILE"'),
                             config.fdExhaustionWindow), '\n'),
                '\n', '\n  '
              ),
            },
            process + ' cannot accept: {{ $labels.errno }}' + port,
            '{{ $value | humanize }} accepts failed with {{ $labels.errno }} in the last ' + config.fdExhaustionWindow
            + ': the connections were ready but the process (EMFILE) or the host (ENFILE) ran out of file descriptors. Raise RLIMIT_NOFILE (LimitNOFILE= in systemd) or fs.file-max, or find the fd leak.',
          ),
          alert(
            'Accept4ListenBacklogSaturated',
            'warning',
            |||
              process_listener:accept4_listen_backlog_fill:ratio_rate%(w)s%(sel)s > %(ratio)s
            ||| % { w: w, sel: sel(), ratio: promql.number(config.backlogFillRatio) },
            process + ': the {{ $labels.listener }} listen queue' + port + ' is {{ $value | humanizePercentage }} full on average when accept is called',
            'The accept loop does not keep up with new connections; once the queue is full the kernel drops SYNs or resets connections (ListenOverflows in nstat).',
            config.backlogFor,
          ),
          alert(
            'Accept4SlowCallsOnNonblockingListener',
            'warning',
            |||
              histogram_quantile(0.99,
                sum without (syscall) (rate(accept4_duration_seconds_bucket%(sel)s[%(w)s]))
              ) > %(seconds)s
            ||| % { sel: sel('listener="nonblocking"'), w: w, seconds: promql.number(config.slowNonblockingSeconds) },
            process + ': p99 of accept on a non-blocking listener' + port + ' is {{ $value | humanizeDuration }}',
            'An accept on a non-blocking listener never waits for a client, so slow calls mean the process is starved of CPU or the kernel is under pressure (memory, lock contention on the listener).',
            config.slowNonblockingFor,
          ),
          alert(
            'Accept4ExporterDown',
            'warning',
            |||
              up%(sel)s == 0
            ||| % { sel: sel() },
            'accept4_exporter on {{ $labels.instance }} cannot be scraped',
            'Prometheus fails to scrape accept4_exporter on {{ $labels.instance }} (job {{ $labels.job }}): no accept loop alert can fire for that host.',
            config.exporterDownFor,
          ),
          alert(
            'Accept4ExporterTargetMissing',
            'warning',
            |||
              absent(up%(sel)s)
            ||| % { sel: sel() },
            'Prometheus has no accept4_exporter target (%s)' % config.accept4Selector,
            'No scrape target matches %s: the exporter is not deployed or service discovery lost it, so no accept loop alert can fire.' % config.accept4Selector,
            config.exporterMissingFor,
          ),
          alert(
            'Accept4ExporterSeriesMapFull',
            'warning',
            |||
              increase(accept4_exporter_overflow_calls_total%(sel)s[%(window)s]) > 0
            ||| % { sel: sel(), window: config.overflowWindow },
            'accept4_exporter on {{ $labels.instance }} has no room for new series',
            '{{ $value | humanize }} accept calls in the last ' + config.overflowWindow
            + ' found the series map full and were counted under comm="[overflow]", without their process. Raise maps.max_series or set labels.pid: false.',
          ),
          alert(
            'Accept4ExporterStale',
            'warning',
            |||
              time() - accept4_exporter_last_map_read_timestamp_seconds%(sel)s > %(seconds)s
            ||| % { sel: sel(), seconds: promql.number(config.exporterStaleSeconds) },
            'accept4_exporter on {{ $labels.instance }} has not read its maps for {{ $value | humanizeDuration }}',
            'The exporter answers scrapes but serves an old reading of the kernel maps (accept4_exporter_map_read_errors_total says whether reads fail).',
          ),
          alert(
            'Accept4ExporterConfigReloadFailed',
            'warning',
            |||
              accept4_exporter_config_last_reload_successful%(sel)s == 0
            ||| % { sel: sel() },
            'accept4_exporter on {{ $labels.instance }} refused its new config; the old one is running',
            'The latest SIGHUP reload failed; the exporter logged why. It keeps running with the previous config, and refuses to start with this one after a restart.',
            config.configReloadFor,
          ),
        ],
      },
    ],
  },
}
