# Derives a seccomp profile that lets the exporter run with CAP_BPF and
# CAP_PERFMON alone from a runtime's default profile that allows bpf(2) and
# perf_event_open(2) only to CAP_SYS_ADMIN (containers-common's, which
# Debian 12's podman 4.3 uses). Everything else stays as it was:
#
#   jq -f deploy/container/seccomp-bpf.jq /usr/share/containers/seccomp.json \
#     > accept4-exporter-seccomp.json
#   podman run --security-opt seccomp=accept4-exporter-seccomp.json ...
#
# bpf(2) is allowed to holders of CAP_BPF and perf_event_open(2) to holders
# of CAP_PERFMON, which is what the kernel itself asks of them since 5.8.
def without_bpf: .names -= ["bpf", "perf_event_open"];
.syscalls |= map(
  # The rule that refuses them to everyone without CAP_SYS_ADMIN.
  if .action == "SCMP_ACT_ERRNO" and ((.excludes.caps // []) | index("CAP_SYS_ADMIN")) != null
  then without_bpf else . end
)
| .syscalls |= map(select((.names | length) > 0))
| .syscalls += [
    {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_BPF"]}},
    {"names": ["perf_event_open"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_PERFMON"]}}
  ]
