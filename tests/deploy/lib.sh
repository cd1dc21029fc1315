# Shared by the deployment tests (sourced, not run): a cached Debian 12 tree
# made with debootstrap, the base image made from it, podman as this host
# runs it, and waiting for the exporter.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Kept between runs: a debootstrap takes minutes, extracting its tarball
# seconds. Remove the folder to start from a new one.
cache_dir=${ACCEPT4_DEPLOY_CACHE:-/var/tmp/accept4_exporter}
debian_tarball=$cache_dir/debian-12-minbase.tar
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Stands in for docker.io/library/debian:12 where no registry is reachable.
base_image=localhost/accept4-debian:12

say() { echo "$(basename "$0"): $*" >&2; }
fail() {
  say "FAIL: $*"
  exit 1
}
# ctest counts exit 77 as skipped (SKIP_RETURN_CODE); the reason is printed.
skip() {
  echo "SKIP: $*"
  exit 77
}

need_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot and podman with BPF)"
}

# Installs what the deployment tests use, when missing.
need_deploy_packages() {
  "$top/scripts/install-deps" deploy
}

# podman as it works on this kind of host: crun cannot run on hybrid
# (v1 + v2) cgroups, runc can; cgroupfs because there may be no systemd.
podman_() {
  podman --runtime runc --cgroup-manager=cgroupfs "$@"
}

# A Debian 12 (bookworm) minbase tree as a tarball, made once. The sources
# are those of Debian's own image: the release, its updates and security.
debian_tarball() {
  if [ -s "$debian_tarball" ]; then
    echo "$debian_tarball"
    return
  fi
  mkdir -p "$cache_dir"
  local tree
  tree=$(mktemp -d "$cache_dir/debootstrap.XXXXXX")
  say "debootstrap of Debian 12 into $tree (minutes; cached in $debian_tarball)"
  debootstrap --variant=minbase bookworm "$tree" "$debian_mirror" |
    grep --line-buffered -E '^I: (Retrieving|Validating|Extracting|Installing|Configuring|Base)' |
    awk '/Retrieving|Configuring/ { n++; if (n % 20) next } { print; fflush() }' >&2
  local security=${debian_mirror%/debian}/debian-security
  cat > "$tree/etc/apt/sources.list" <<SOURCES
deb $debian_mirror bookworm main
deb $debian_mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*
  # mktemp -d made it 0700; it becomes /, which is 0755 on an installed system
  chmod 0755 "$tree"
  tar --numeric-owner -C "$tree" -cf "$debian_tarball.tmp" .
  mv "$debian_tarball.tmp" "$debian_tarball"
  rm -rf "$tree"
  echo "$debian_tarball"
}

# A fresh Debian 12 tree in $1, with /proc, /sys and /dev for chroot. The
# caller unmounts with leave_chroot.
enter_chroot() {
  local root=$1 tarball
  tarball=$(debian_tarball)
  mkdir -p "$root"
  tar --numeric-owner -C "$root" -xf "$tarball"
  # The tree's top came from mktemp -d (0700); an installed system's / is
  # 0755, and tests that drop privileges need to reach /usr through it.
  chmod 0755 "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # An installed Debian has one; debootstrap leaves it to the installer.
  [ -e "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
}

leave_chroot() {
  local root=$1
  for sub in dev sys proc; do
    mountpoint -q "$root/$sub" && umount -R "$root/$sub"
  done
  return 0
}

# podman 4.3's default seccomp profile allows bpf(2) and perf_event_open(2)
# only with CAP_SYS_ADMIN; writes to $1 the profile docs/deploy.md derives
# from it, which allows them with CAP_BPF and CAP_PERFMON.
write_seccomp_profile() {
  jq -f "$top/deploy/container/seccomp-bpf.jq" /usr/share/containers/seccomp.json > "$1"
}

# The registry's debian:12 stand-in, imported from the cached tree.
ensure_base_image() {
  if podman_ image exists "$base_image"; then return; fi
  local tarball
  tarball=$(debian_tarball)
  say "importing $tarball as $base_image"
  podman_ import --quiet --change 'CMD ["bash"]' "$tarball" "$base_image" >/dev/null
}

# Waits until $1 answers, for at most $2 seconds; the exporter logs its
# listening line once the programs are attached and the HTTP server is up.
wait_for_url() {
  local url=$1 seconds=${2:-60}
  for ((i = 0; i < seconds * 10; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# The value of one series in a /metrics text: $1 the text, $2 the metric
# name, $3 a label matcher such as comm="a4tally".*listener="blocking"
# (a regex over the labels). Prints the sum over matching series.
metric_sum() {
  awk -v name="$2" -v labels="$3" '
    index($0, name "{") == 1 && match($0, labels) { sum += $NF; found = 1 }
    END { if (found) print sum; else print "absent" }' <<< "$1"
}

# Builds the image as $1 from the Containerfile on the debootstrap base,
# with the checkout's revision; shows podman's steps and the build's.
build_image() {
  local image=$1 revision
  ensure_base_image
  revision=$(git -C "$top" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  say "building $image on $base_image (revision $revision)"
  set +o pipefail
  podman_ build --pull=never -f "$top/deploy/container/Containerfile" \
    --build-arg BASE_IMAGE="$base_image" --build-arg REVISION="$revision" \
    -t "$image" "$top" 2>&1 |
    grep --line-buffered -E 'STEP [0-9]|^COMMIT|^Successfully|rror|\[ *[0-9]+%\]' >&2
  local status=${PIPESTATUS[0]}
  set -o pipefail
  [ "$status" -eq 0 ] || fail "podman build failed (exit $status)"
  image_revision=$revision
}

# Starts the host process of accept_tally.cc with a known number of calls,
# and waits for its tally line. Sets tally_pid; the process stays alive
# until stop_tally. $1 is a scratch folder.
want_accept4_ok=7
want_accept4_eagain=5
want_accept_ok=3
start_tally() {
  local work=$1
  c++ -O2 -Wall -Wextra -o "$work/accept_tally" "$top/tests/deploy/accept_tally.cc"
  mkfifo "$work/tally_in"
  "$work/accept_tally" $want_accept4_ok $want_accept4_eagain $want_accept_ok \
    < "$work/tally_in" > "$work/tally_out" &
  local pid=$!
  exec {tally_in}>"$work/tally_in"
  until [ -s "$work/tally_out" ]; do
    kill -0 $pid 2>/dev/null || fail "accept_tally failed"
    sleep 0.1
  done
  local tally
  tally=$(cat "$work/tally_out")
  say "host process: $tally"
  tally_pid=$pid
  [ "$tally" = "pid=$pid comm=a4tally accept4_ok=$want_accept4_ok accept4_eagain=$want_accept4_eagain accept_ok=$want_accept_ok" ] ||
    fail "accept_tally's own tally differs from what was asked: $tally"
}

stop_tally() {
  [ -n "${tally_in:-}" ] && exec {tally_in}>&-
  tally_in=
}

# True when a /metrics text ($1) shows exactly the tally's calls under its
# comm and the host pid.
tally_counted() {
  local metrics=$1 series="comm=\"a4tally\",pid=\"$tally_pid\""
  [ "$(metric_sum "$metrics" accept4_calls_total "$series,syscall=\"accept4\".*listener=\"blocking\"")" = $want_accept4_ok ] &&
    [ "$(metric_sum "$metrics" accept4_calls_total "$series,syscall=\"accept4\".*listener=\"nonblocking\"")" = $want_accept4_eagain ] &&
    [ "$(metric_sum "$metrics" accept4_errors_total "$series,syscall=\"accept4\".*errno=\"EAGAIN\"")" = $want_accept4_eagain ] &&
    [ "$(metric_sum "$metrics" accept4_calls_total "$series,syscall=\"accept\",")" = $want_accept_ok ] &&
    [ "$(metric_sum "$metrics" accept4_errors_total "$series")" = $want_accept4_eagain ]
}

# Scrapes with the command in "$@" until the tally shows up (at the next
# poll), then requires it to be exact and build_info to carry the revision
# the image was built from. Sets metrics to the last scrape.
expect_tally_counted() {
  metrics=
  for ((i = 0; i < 300; i++)); do
    metrics=$("$@" || true)
    tally_counted "$metrics" && break
    sleep 0.1
  done
  if ! tally_counted "$metrics"; then
    grep 'a4tally' <<< "$metrics" >&2 || true
    fail "/metrics does not show the host process's $want_accept4_ok+$want_accept4_eagain accept4 and $want_accept_ok accept calls under its pid $tally_pid"
  fi
  grep -E "^accept4_exporter_build_info\{.*revision=\"$image_revision\"" <<< "$metrics" >/dev/null ||
    fail "build_info does not carry revision $image_revision: $(grep build_info <<< "$metrics")"
}

# The effective capabilities of process $1 must be CAP_BPF (39) and
# CAP_PERFMON (38), nothing else.
expect_bpf_perfmon_only() {
  local cap_eff
  cap_eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$1/status")
  [ "$cap_eff" = 000000c000000000 ] ||
    fail "the exporter's effective capabilities are $cap_eff, not cap_bpf,cap_perfmon (000000c000000000)"
}
