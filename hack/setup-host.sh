#!/bin/bash
# setup-host.sh prepares this machine as skiff's rootless test bed. Run as
# root. Idempotent: a second run only checks, and takes a few seconds.
#
#   bash hack/setup-host.sh [--systemd-user]
#   bash hack/setup-host.sh --reset
#
#   --systemd-user  also start a systemd user manager for the test user
#                   without logind (for `systemctl --user` tests)
#   --reset         undo everything a set-up made, so that the next set-up
#                   starts where a new machine does: stop the test users'
#                   processes (containers, monitors, pause processes, their
#                   systemd manager) and the registry, remove the test users
#                   and their homes, runtime directories and cgroups, the
#                   registry's data, the built images, the docker compose
#                   plugin and the files written under /etc. Debian packages
#                   stay installed.
#
# What it does: installs the Debian packages the tests use, opens /dev/fuse
# and /dev/net/tun, makes / rshared, sets userns/ping sysctls, creates the
# users skiff-test (subuid/subgid 100000:65536) and skiff-nosub (none), runs
# Debian's docker-registry on 127.0.0.1:5000 (data in /var/tmp/skiff-registry)
# and pushes the test images built by hack/mkimage, among them
# localhost:5000/distro:bookworm (debootstrap: minutes the first time). For
# the HPC tests it makes the shared image store directory ($SHARED_STORE) and
# starts a one-node Slurm (slurm-wlm and munge: munged, slurmctld, slurmd,
# without systemd). For the Docker API tests it builds docker compose (v2+,
# the version hack/compose/go.mod pins) from the Go module proxy and installs
# it as the docker CLI plugin /usr/local/lib/docker/cli-plugins/docker-compose.

# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

WANT_SYSTEMD_USER=0
WANT_RESET=0
while (($#)); do
	case $1 in
	--systemd-user) WANT_SYSTEMD_USER=1 ;;
	--reset) WANT_RESET=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $1"
		;;
	esac
	shift
done

require_root
START=$EPOCHREALTIME

# One run at a time: concurrent runs would race on the layouts and users.
# The daemons started below must not inherit the lock: {lock_fd}>&-.
exec {lock_fd}>/run/skiff-setup-host.lock
if ! flock -n "$lock_fd"; then
	INFO "waiting for another setup-host.sh run to finish"
	flock "$lock_fd"
fi

PACKAGES=(
	runc crun slirp4netns passt fuse-overlayfs uidmap catatonit
	docker-registry busybox-static iperf3 debootstrap curl socat jq
	nftables    # user-defined networks
	util-linux  # script(1): tests under a terminal
	systemd dbus-user-session # the systemd tests: a user manager, systemd-analyze
	hyperfine   # make bench
	podman      # comparisons in tests and make bench
)

MKIMAGE=$IMAGES_DIR/bin/mkimage
DISTRO_ROOTFS=$IMAGES_DIR/distro-rootfs
DISTRO_PACKAGES=iproute2,iperf3,curl,procps,socat,ca-certificates
REGISTRIES_CONF=/etc/containers/registries.conf.d/50-skiff-test-registry.conf
# The docker CLI looks for its plugins here, for every user.
COMPOSE_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose

# ---------------------------------------------------------------------------
# Packages

is_installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

ensure_packages() {
	local missing=() p
	for p in "$@"; do
		is_installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		INFO "packages: all $# present"
		return
	fi
	INFO "packages: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------------------
# Devices, mount propagation, sysctls

ensure_char_dev() { # PATH MAJOR MINOR
	local path=$1
	if [[ ! -c $path ]]; then
		INFO "devices: creating $path"
		mkdir -p "$(dirname "$path")"
		mknod "$path" c "$2" "$3"
	fi
	if [[ $(stat -c %a "$path") != 666 ]]; then
		chmod 0666 "$path"
		INFO "devices: chmod 0666 $path"
	fi
}

ensure_devices() {
	ensure_char_dev /dev/net/tun 10 200
	ensure_char_dev /dev/fuse 10 229
	if [[ $(findmnt -no PROPAGATION /) != shared ]]; then
		mount --make-rshared /
		INFO "mounts: / is now rshared"
	fi
}

# ensure_mqueue mounts the POSIX message queue file system at /dev/mqueue, as
# systemd does at boot (dev-mqueue.mount): `--ipc host` binds the host's.
ensure_mqueue() {
	if ! findmnt -n /dev/mqueue >/dev/null; then
		mkdir -p /dev/mqueue
		mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
		INFO "mounts: mqueue on /dev/mqueue"
	fi
}

ensure_sysctl() { # KEY VALUE (skipped when the knob does not exist)
	local key=$1 want=$2 file have
	file=/proc/sys/${key//.//}
	[[ -e $file ]] || return 0
	have=$(tr -s '[:space:]' ' ' <"$file")
	have=${have% }
	if [[ $have != "$want" ]]; then
		sysctl -qw "$key=$want"
		INFO "sysctl: $key = $want (was $have)"
	fi
}

ensure_sysctls() {
	ensure_sysctl net.ipv4.ping_group_range "0 2147483647"
	ensure_sysctl kernel.unprivileged_userns_clone 1      # Debian kernels before 6.x
	ensure_sysctl kernel.apparmor_restrict_unprivileged_userns 0 # Ubuntu 23.10+
	local max
	max=$(cat /proc/sys/user/max_user_namespaces)
	if ((max < 1024)); then
		ensure_sysctl user.max_user_namespaces 28633
	fi
}

# ---------------------------------------------------------------------------
# Users and subordinate ids

ensure_user() {
	local user=$1 home=/home/$1
	if ! getent passwd "$user" >/dev/null; then
		# SUB_*_COUNT=0: useradd must not allocate ids; set_subid decides.
		useradd --create-home --home-dir "$home" --shell /bin/bash \
			-K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
		INFO "users: created $user"
	fi
	if [[ $(getent passwd "$user" | cut -d: -f7) != /bin/bash ]]; then
		usermod --shell /bin/bash "$user"
	fi
	home=$(getent passwd "$user" | cut -d: -f6)
	if [[ ! -d $home ]]; then
		mkdir -p "$home"
		chown "$user:" "$home"
		chmod 0750 "$home"
	fi
}

# set_subid FILE USER [START:COUNT] leaves exactly that one entry for USER
# (by name or uid) in FILE, or none when no range is given.
set_subid() {
	local file=$1 user=$2 range=${3:-} uid current want tmp
	uid=$(id -u "$user")
	touch "$file"
	current=$(grep -E "^($user|$uid):" "$file" || true)
	want=${range:+$user:$range}
	[[ $current == "$want" ]] && return 0
	tmp=$(mktemp "$file.XXXXXX")
	grep -vE "^($user|$uid):" "$file" >"$tmp" || true
	[[ -n $want ]] && printf '%s\n' "$want" >>"$tmp"
	chmod 0644 "$tmp"
	mv "$tmp" "$file"
	INFO "users: $file: ${want:-no entry for $user}"
}

# warn_subid_overlap FILE USER warns when another entry overlaps USER's range.
warn_subid_overlap() {
	local file=$1 user=$2
	awk -F: -v u="$user" -v s="$SUBID_START" -v c="$SUBID_COUNT" \
		'$1 != u && NF == 3 && $2 < s + c && s < $2 + $3 { print }' "$file" |
		while read -r line; do
			WARN "users: $file: '$line' overlaps $user's range"
		done
}

ensure_users() {
	ensure_user "$TEST_USER"
	ensure_user "$NOSUB_USER"
	local f
	for f in /etc/subuid /etc/subgid; do
		set_subid "$f" "$TEST_USER" "$SUBID_START:$SUBID_COUNT"
		set_subid "$f" "$NOSUB_USER"
		warn_subid_overlap "$f" "$TEST_USER"
	done
	INFO "users: $TEST_USER (uid $(id -u "$TEST_USER"), subids $SUBID_START:$SUBID_COUNT), $NOSUB_USER (uid $(id -u "$NOSUB_USER"), no subids)"
}

# ---------------------------------------------------------------------------
# Shared image store

# ensure_shared_store makes $SHARED_STORE, the directory a project keeps images
# in for other users (storage.conf additionalimagestores): $TEST_USER owns and
# fills it (skiff image export-store), everyone reads it. --reset: rm -rf it.
ensure_shared_store() {
	if [[ ! -d $SHARED_STORE ]]; then
		install -d -m 0755 -o "$TEST_USER" -g "$TEST_USER" "$SHARED_STORE"
		INFO "shared store: created $SHARED_STORE for $TEST_USER"
	fi
	chown "$TEST_USER:" "$SHARED_STORE"
	chmod 0755 "$SHARED_STORE"
}

# ---------------------------------------------------------------------------
# Slurm (single node, no systemd)

SLURM_PACKAGES=(slurm-wlm munge)
SLURM_CONF=/etc/slurm/slurm.conf
SLURM_CGROUP_CONF=/etc/slurm/cgroup.conf
SLURM_STATE=/var/spool/slurmctld
SLURM_SPOOL=/var/spool/slurmd
SLURM_LOG=/var/log/slurm

# ensure_munge starts munged (Slurm's authentication) with the key the package
# made, or a new one. --reset: kill munged (pid in /run/munge/munged.pid).
ensure_munge() {
	if [[ ! -s /etc/munge/munge.key ]]; then
		mungekey --create --keyfile=/etc/munge/munge.key
		chown munge: /etc/munge/munge.key
		chmod 0400 /etc/munge/munge.key
		INFO "slurm: created /etc/munge/munge.key"
	fi
	install -d -m 0755 -o munge -g munge /run/munge
	if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
		runuser -u munge -- /usr/sbin/munged {lock_fd}>&- || die "slurm: munged failed to start (see /var/log/munge/munged.log)"
		local i
		for ((i = 0; i < 50; i++)); do
			munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
			sleep 0.1
		done
		munge -n </dev/null | unmunge >/dev/null || die "slurm: munged does not answer"
		INFO "slurm: munged started"
	fi
}

# slurm_node_line is the NodeName line for this machine as slurmd sees it.
slurm_node_line() {
	local cpus mem
	cpus=$(nproc)
	mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
	printf 'NodeName=%s NodeAddr=127.0.0.1 CPUs=%s RealMemory=%s State=UNKNOWN\n' "$(hostname -s)" "$cpus" "$mem"
}

# ensure_slurm runs a one-node Slurm (slurmctld + slurmd on this machine, both
# started directly: no systemd as PID 1) so that the tests can srun, sbatch and
# scancel skiff as the test users. Jobs are tracked in freezer cgroups
# (proctrack/cgroup, created by slurmd below the root of the freezer hierarchy,
# which nothing else limits); no memory or cpuset cgroups are made.
# --reset: kill slurmctld and slurmd (pids in /run/slurmctld.pid, /run/slurmd.pid),
# remove /etc/slurm/slurm.conf, /etc/slurm/cgroup.conf, /var/spool/slurmctld,
# /var/spool/slurmd and /var/log/slurm/*.log; the freezer cgroups below
# /sys/fs/cgroup/freezer/slurm go with slurmd (rmdir any left).
ensure_slurm() {
	ensure_packages "${SLURM_PACKAGES[@]}"
	ensure_munge
	install -d -m 0755 -o slurm -g slurm "$SLURM_STATE" "$SLURM_LOG"
	install -d -m 0755 "$SLURM_SPOOL"
	local host changed=0
	host=$(hostname -s)
	write_if_changed "$SLURM_CONF" 0644 <<-EOF && changed=1
		# Written by hack/setup-host.sh: a one-node cluster for skiff's tests.
		ClusterName=skiff
		SlurmctldHost=$host(127.0.0.1)
		AuthType=auth/munge
		CredType=cred/munge
		SlurmUser=slurm
		SlurmdUser=root
		StateSaveLocation=$SLURM_STATE
		SlurmdSpoolDir=$SLURM_SPOOL
		SlurmctldPidFile=/run/slurmctld.pid
		SlurmdPidFile=/run/slurmd.pid
		SlurmctldLogFile=$SLURM_LOG/slurmctld.log
		SlurmdLogFile=$SLURM_LOG/slurmd.log
		ProctrackType=proctrack/cgroup
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		SwitchType=switch/none
		MpiDefault=none
		ReturnToService=2
		KillWait=30
		SchedulerType=sched/builtin
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		$(slurm_node_line)
		PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
	EOF
	write_if_changed "$SLURM_CGROUP_CONF" 0644 <<-EOF && changed=1
		# Written by hack/setup-host.sh: freezer cgroups for job tracking only.
		CgroupPlugin=cgroup/v1
		CgroupMountpoint=/sys/fs/cgroup
		CgroupAutomount=no
		ConstrainCores=no
		ConstrainRAMSpace=no
		ConstrainSwapSpace=no
		ConstrainDevices=no
	EOF
	if ((changed)); then
		slurm_stop
	fi
	if ! pid_alive /run/slurmctld.pid; then
		/usr/sbin/slurmctld {lock_fd}>&- || die "slurm: slurmctld failed to start (see $SLURM_LOG/slurmctld.log)"
		INFO "slurm: slurmctld started"
	fi
	if ! pid_alive /run/slurmd.pid; then
		/usr/sbin/slurmd {lock_fd}>&- || die "slurm: slurmd failed to start (see $SLURM_LOG/slurmd.log)"
		INFO "slurm: slurmd started"
	fi
	local i state=""
	for ((i = 0; i < 100; i++)); do
		state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
		[[ $state == idle || $state == mix || $state == alloc ]] && break
		[[ $state == down* || $state == drain* ]] && scontrol update nodename="$host" state=resume 2>/dev/null || true
		sleep 0.2
	done
	[[ $state == idle || $state == mix || $state == alloc ]] ||
		die "slurm: node $host is '${state:-unknown}', not idle (see $SLURM_LOG/slurmd.log and slurmctld.log)"
	INFO "slurm: node $host is $state"
}

# pid_alive PIDFILE reports whether the process the file names runs.
pid_alive() {
	local pid
	[[ -s $1 ]] && pid=$(<"$1") && kill -0 "$pid" 2>/dev/null
}

# slurm_stop stops slurmd and slurmctld (to reload a changed configuration).
slurm_stop() {
	local f pid
	for f in /run/slurmd.pid /run/slurmctld.pid; do
		if pid_alive "$f"; then
			pid=$(<"$f")
			kill "$pid"
			wait_gone "$pid"
		fi
	done
}

# ---------------------------------------------------------------------------
# Registry

write_if_changed() { # FILE MODE, content on stdin
	local file=$1 mode=$2 tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
		return 1
	fi
	mkdir -p "$(dirname "$file")"
	install -m "$mode" "$tmp" "$file"
	rm -f "$tmp"
	INFO "wrote $file"
}

ensure_registry() {
	local cfg=$REGISTRY_DIR/config.yml pidfile=$REGISTRY_DIR/registry.pid
	local log=$REGISTRY_DIR/registry.log pid="" changed=0
	mkdir -p "$REGISTRY_DIR/data"
	write_if_changed "$cfg" 0644 <<-EOF && changed=1
		# Written by hack/setup-host.sh: skiff's test registry.
		version: 0.1
		log:
		  level: warn
		  accesslog:
		    disabled: true
		storage:
		  filesystem:
		    rootdirectory: $REGISTRY_DIR/data
		  delete:
		    enabled: true
		http:
		  addr: $REGISTRY
		  secret: skiff-test-registry-not-a-secret
	EOF

	[[ -f $pidfile ]] && pid=$(<"$pidfile")
	if [[ -n $pid ]] && ! grep -qs docker-registry "/proc/$pid/cmdline"; then
		pid=""
	fi
	if registry_up; then
		if ((changed)) && [[ -n $pid ]]; then
			INFO "registry: config changed, restarting pid $pid"
			kill "$pid"
			wait_gone "$pid"
		else
			INFO "registry: http://$REGISTRY/v2/ answers${pid:+ (pid $pid)}"
			return
		fi
	elif [[ -n $pid ]]; then
		WARN "registry: pid $pid does not answer, restarting it (log: $log)"
		kill "$pid"
		wait_gone "$pid"
	fi

	INFO "registry: starting docker-registry on $REGISTRY (data $REGISTRY_DIR/data, log $log)"
	# env -i: docker-registry reads REGISTRY_* variables as config overrides,
	# and common.sh exports REGISTRY_DIR and REGISTRY_NAME.
	setsid nohup env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		docker-registry serve "$cfg" </dev/null >>"$log" 2>&1 {lock_fd}>&- &
	echo $! >"$pidfile"
	local i
	for ((i = 0; i < 100; i++)); do
		registry_up && break
		if ! kill -0 "$(<"$pidfile")" 2>/dev/null; then
			tail -n 20 "$log" >&2
			die "registry: docker-registry exited"
		fi
		sleep 0.1
	done
	registry_up || die "registry: no answer on http://$REGISTRY/v2/ after 10s (log: $log)"
	INFO "registry: up (pid $(<"$pidfile"))"
}

wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	die "pid $1 did not exit"
}

ensure_registries_conf() {
	write_if_changed "$REGISTRIES_CONF" 0644 <<-EOF || true
		# Written by hack/setup-host.sh: skiff's test registry speaks plain HTTP.
		[[registry]]
		location = "localhost:5000"
		insecure = true

		[[registry]]
		location = "127.0.0.1:5000"
		insecure = true
	EOF
}

# ---------------------------------------------------------------------------
# Test images

find_go() {
	if command -v go >/dev/null; then
		command -v go
	elif [[ -x /usr/local/go/bin/go ]]; then
		echo /usr/local/go/bin/go
	else
		die "images: no Go toolchain (go not in PATH nor /usr/local/go/bin)"
	fi
}

ensure_mkimage() {
	if [[ -x $MKIMAGE ]] && [[ -z $(find "$HACK_DIR/mkimage" "$REPO_ROOT/go.mod" "$REPO_ROOT/go.sum" \
		-newer "$MKIMAGE" -print -quit) ]]; then
		return
	fi
	INFO "images: building $MKIMAGE"
	mkdir -p "$(dirname "$MKIMAGE")"
	(cd "$REPO_ROOT" && CGO_ENABLED=1 "$(find_go)" build -tags "$GO_BUILD_TAGS" -o "$MKIMAGE" ./hack/mkimage)
}

# registry_has NAME TAG succeeds when the registry serves a manifest for it.
registry_has() {
	curl -fsS -m 10 -o /dev/null \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
		"http://$REGISTRY/v2/$1/manifests/$2" 2>/dev/null
}

ensure_images() {
	ensure_mkimage
	"$MKIMAGE" -registry "$REGISTRY" -out "$IMAGES_DIR/layouts" busybox layers
}

# debian_mirror prints the Debian mirror apt uses for bookworm.
debian_mirror() {
	local m
	m=$(
		shopt -s nullglob
		awk '
			/^[[:space:]]*$/ { if (uri != "" && suites ~ /(^| )bookworm( |$)/) { print uri; exit } uri = ""; suites = ""; next }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { $1 = ""; suites = $0 " " }
			END { if (uri != "" && suites ~ /(^| )bookworm( |$)/) print uri }
		' /etc/apt/sources.list.d/*.sources | head -n 1
	)
	if [[ -z $m && -f /etc/apt/sources.list ]]; then
		m=$(sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' \
			/etc/apt/sources.list | head -n 1)
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

ensure_distro_rootfs() {
	if [[ -f $DISTRO_ROOTFS/.skiff-debootstrap-done ]]; then
		INFO "distro: reusing rootfs $DISTRO_ROOTFS"
		return
	fi
	local mirror tmp
	mirror=$(debian_mirror)
	tmp=$DISTRO_ROOTFS.tmp
	rm -rf "$tmp" "$DISTRO_ROOTFS"
	INFO "distro: debootstrap --variant=minbase bookworm from $mirror (log: $IMAGES_DIR/debootstrap.log)"
	mkdir -p "$IMAGES_DIR"
	if ! debootstrap --variant=minbase --include="$DISTRO_PACKAGES" bookworm "$tmp" "$mirror" \
		>"$IMAGES_DIR/debootstrap.log" 2>&1; then
		tail -n 30 "$IMAGES_DIR/debootstrap.log" >&2
		die "distro: debootstrap failed"
	fi
	# Smaller image: no package lists, caches or logs.
	chroot "$tmp" apt-get clean
	rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin \
		"$tmp"/var/log/*.log "$tmp"/var/log/apt/* "$tmp"/tmp/* "$tmp"/var/tmp/*
	printf 'bookworm\n' >"$tmp/etc/hostname"
	printf 'nameserver 10.0.2.3\n' >"$tmp/etc/resolv.conf"
	touch "$tmp/.skiff-debootstrap-done"
	mv "$tmp" "$DISTRO_ROOTFS"
	INFO "distro: rootfs ready ($(du -sh "$DISTRO_ROOTFS" | cut -f1))"
}

ensure_distro_image() {
	ensure_mkimage
	local layout=$IMAGES_DIR/layouts/distro reuse=(-reuse)
	# A layout older than mkimage may have been packed by buggy code:
	# repack it from the cached rootfs (the push is skipped if the digest
	# did not change).
	if [[ -f $layout/index.json && $layout/index.json -ot $MKIMAGE ]]; then
		reuse=()
	fi
	if ((${#reuse[@]})) && registry_has distro bookworm; then
		INFO "distro: $REGISTRY/distro:bookworm already in the registry"
		return
	fi
	if ((${#reuse[@]} == 0)) || [[ ! -f $layout/index.json ]]; then
		ensure_distro_rootfs
	fi
	# -reuse: the layout of an earlier run is pushed as it is.
	"$MKIMAGE" -registry "$REGISTRY" -out "$IMAGES_DIR/layouts" -rootfs "$DISTRO_ROOTFS" "${reuse[@]}" distro
}

# SYSTEMD_ROOTFS is the distro tree with systemd-sysv: the image of
# `run --systemd` tests (localhost:5000/systemd:bookworm, PID 1 /sbin/init).
SYSTEMD_ROOTFS=$IMAGES_DIR/systemd-rootfs

ensure_systemd_rootfs() {
	[[ -f $SYSTEMD_ROOTFS/.skiff-systemd-done ]] && return
	ensure_distro_rootfs
	local tmp=$SYSTEMD_ROOTFS.tmp mirror
	mirror=$(debian_mirror)
	rm -rf "$tmp" "$SYSTEMD_ROOTFS"
	cp -a "$DISTRO_ROOTFS" "$tmp"
	rm -f "$tmp/.skiff-debootstrap-done"
	cp /etc/resolv.conf "$tmp/etc/resolv.conf"
	printf 'deb %s bookworm main\n' "$mirror" >"$tmp/etc/apt/sources.list"
	INFO "systemd image: installing systemd-sysv into a copy of the distro tree"
	if ! { chroot "$tmp" apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y -qq --no-install-recommends systemd-sysv; } \
		>"$IMAGES_DIR/systemd-apt.log" 2>&1; then
		tail -n 30 "$IMAGES_DIR/systemd-apt.log" >&2
		die "systemd image: apt-get install systemd-sysv failed"
	fi
	chroot "$tmp" apt-get clean
	rm -rf "$tmp"/var/lib/apt/lists/* "$tmp"/var/cache/apt/*.bin "$tmp"/var/log/*.log "$tmp"/var/log/apt/*
	printf 'nameserver 10.0.2.3\n' >"$tmp/etc/resolv.conf"
	touch "$tmp/.skiff-systemd-done"
	mv "$tmp" "$SYSTEMD_ROOTFS"
}

# ensure_systemd_image pushes localhost:5000/systemd:bookworm (issue 15's
# --systemd tests). Reset: $IMAGES_DIR and the registry data hold all of it.
ensure_systemd_image() {
	ensure_mkimage
	if registry_has systemd bookworm; then
		INFO "systemd image: $REGISTRY/systemd:bookworm already in the registry"
		return
	fi
	ensure_systemd_rootfs
	"$MKIMAGE" -registry "$REGISTRY" -out "$IMAGES_DIR/layouts" -rootfs "$SYSTEMD_ROOTFS" systemd
}

# ---------------------------------------------------------------------------
# docker compose v2+ (the docker CLI plugin), for the Docker API tests

# compose_version prints the compose version hack/compose/go.mod pins (v5.6.0).
compose_version() {
	awk '$1 == "require" && $2 == "github.com/docker/compose/v5" { print $3 }' "$HACK_DIR/compose/go.mod"
}

# compose_installed_version prints the version of the installed plugin, empty when there is none.
compose_installed_version() {
	[[ -x $COMPOSE_PLUGIN ]] || return 0
	"$COMPOSE_PLUGIN" version --short 2>/dev/null || true
}

# ensure_compose builds docker compose from the Go module proxy through the
# wrapper module hack/compose (`go install` of compose fails on the exclude
# directives of its go.mod) and installs it system-wide as the docker CLI
# plugin $COMPOSE_PLUGIN, where `docker compose` finds it for every user.
# Skipped when that version is installed. --reset: rm -f $COMPOSE_PLUGIN.
ensure_compose() {
	local want have tmp t0
	want=$(compose_version)
	[[ -n $want ]] || die "compose: no github.com/docker/compose/v5 version in $HACK_DIR/compose/go.mod"
	have=$(compose_installed_version)
	if [[ v${have#v} == "$want" ]]; then
		INFO "compose: $COMPOSE_PLUGIN is $want"
		return
	fi
	INFO "compose: building docker compose $want from the Go module proxy${have:+ (replaces $have)}"
	t0=$EPOCHREALTIME
	mkdir -p "$(dirname "$COMPOSE_PLUGIN")"
	tmp=$(mktemp "$(dirname "$COMPOSE_PLUGIN")/.docker-compose.XXXXXX") # not a docker-* name: no half plugin
	# No cgo: the plugin needs no C library, and it links statically.
	if ! (cd "$HACK_DIR/compose" && CGO_ENABLED=0 "$(find_go)" build -mod=readonly -trimpath \
		-ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$want" \
		-o "$tmp" github.com/docker/compose/v5/cmd); then
		rm -f "$tmp"
		die "compose: building docker compose $want failed"
	fi
	chmod 0755 "$tmp"
	mv -f "$tmp" "$COMPOSE_PLUGIN"
	have=$(compose_installed_version)
	[[ v${have#v} == "$want" ]] || die "compose: $COMPOSE_PLUGIN reports version '$have', want $want"
	INFO "compose: installed $COMPOSE_PLUGIN $want (took $(elapsed_since "$t0"))"
}

# ---------------------------------------------------------------------------
# systemd user manager without logind

systemd_user_env() {
	local uid=$1
	printf '%s\n' "XDG_RUNTIME_DIR=/run/user/$uid" "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus"
}

# ensure_session_cgroup stands in for logind's session scope: a cgroup
# beside user@UID.service, with user-UID.slice/cgroup.procs delegated, so the
# user manager may move the user's processes into transient scopes
# (systemd-run --user --scope). Without logind and a system systemd, the
# manager cannot ask PID 1 to do that move for it. Used by as_user_session.
ensure_session_cgroup() {
	local session slice
	session=$(user_session_cgroup "$TEST_USER")
	slice=$(dirname "$session")
	mkdir -p "$session"
	chown "$TEST_USER:" "$slice/cgroup.procs" "$session" "$session/cgroup.procs"
}

# systemd_user_state prints `systemctl --user is-system-running` for TEST_USER.
systemd_user_state() {
	local uid env=()
	uid=$(id -u "$TEST_USER")
	mapfile -t env < <(systemd_user_env "$uid")
	as_user "$TEST_USER" env "${env[@]}" timeout 5 systemctl --user is-system-running 2>/dev/null || true
}

ensure_systemd_user() {
	local uid state cg runtime unified
	uid=$(id -u "$TEST_USER")
	# systemd uses the cgroup2 hierarchy to track processes: the cgroup2
	# root in unified mode, /sys/fs/cgroup/unified in hybrid mode.
	unified=$(cgroup2_root)
	[[ $(stat -fc %T "$unified" 2>/dev/null) == cgroup2fs ]] ||
		die "systemd-user: no cgroup2 hierarchy (neither /sys/fs/cgroup nor /sys/fs/cgroup/unified)"
	# sd_booted(): without it `systemctl --user is-system-running` says
	# "offline" even with the manager up.
	mkdir -p /run/systemd/system
	ensure_session_cgroup

	state=$(systemd_user_state)
	if [[ $state == running || $state == degraded ]]; then
		INFO "systemd-user: manager for $TEST_USER already $state"
		return
	fi

	cg=$unified/user.slice/user-$uid.slice/user@$uid.service
	mkdir -p "$cg"
	# Delegate: the user manager creates its own sub-cgroups.
	chown "$TEST_USER:" "$cg" "$cg"/cgroup.procs "$cg"/cgroup.threads "$cg"/cgroup.subtree_control
	runtime=/run/user/$uid
	mkdir -p "$runtime"
	chown "$TEST_USER:" "$runtime"
	chmod 0700 "$runtime"

	local log=/var/tmp/skiff-systemd-user.log
	INFO "systemd-user: starting systemd --user for $TEST_USER in $cg (log: $log)"
	# The root shell moves itself into the delegated cgroup, then becomes
	# the user manager; setsid detaches it from this script's session.
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid nohup bash -c 'echo $$ >"$1/cgroup.procs" && exec runuser -u "$2" -- env -i \
		HOME="$3" USER="$2" LOGNAME="$2" SHELL=/bin/bash \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		XDG_RUNTIME_DIR="$4" DBUS_SESSION_BUS_ADDRESS="unix:path=$4/bus" \
		/lib/systemd/systemd --user' \
		systemd-user "$cg" "$TEST_USER" "$(getent passwd "$TEST_USER" | cut -d: -f6)" "$runtime" \
		</dev/null >>"$log" 2>&1 {lock_fd}>&- &
	local pid=$! i
	for ((i = 0; i < 150; i++)); do
		state=$(systemd_user_state)
		[[ $state == running || $state == degraded ]] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$log" >&2
			die "systemd-user: systemd --user exited"
		fi
		sleep 0.2
	done
	if [[ $state != running && $state != degraded ]]; then
		tail -n 30 "$log" >&2
		die "systemd-user: manager state '${state:-no answer}' after 30s"
	fi
	echo "$pid" >/run/user/"$uid"/skiff-systemd-user.pid
	INFO "systemd-user: manager pid $pid is $state"
	if [[ $state == degraded ]]; then
		local env=()
		mapfile -t env < <(systemd_user_env "$uid")
		as_user "$TEST_USER" env "${env[@]}" systemctl --user --failed --no-legend --plain 2>&1 |
			while read -r line; do WARN "systemd-user: failed unit: $line"; done
	fi
}

# ---------------------------------------------------------------------------
# cgroup v1 delegation (resource limits)

# cgroup_v1_dirs prints, for each cgroup v1 hierarchy this script's process
# is in, the directory of its cgroup there (memory: where the machine's own
# services put this shell; every other one: the hierarchy's root).
cgroup_v1_dirs() {
	local id ctrls path name
	while IFS=: read -r id ctrls path; do
		[[ -n $ctrls ]] || continue # the cgroup2 hierarchy of a hybrid host
		name=${ctrls%%,*}
		name=${name#name=}
		[[ -d /sys/fs/cgroup/$name ]] || continue
		printf '%s\n' "/sys/fs/cgroup/$name${path%/}"
	done </proc/self/cgroup
}

# ensure_cgroup_delegation delegates a cgroup v1 subtree to TEST_USER, as an
# administrator of a v1 host would: skiff-UID below this script's own cgroup
# in every v1 hierarchy (never beside or above it, and no process is moved),
# owned by the user, so that runc puts the user's containers (and their
# limits) below it. The memory hierarchy's subtree is below the cgroup the
# machine's services put the test bed in; the others are below their roots,
# where nothing limits. NOSUB_USER gets none: its tests prove the refusal.
ensure_cgroup_delegation() {
	local uid dir base made=0
	uid=$(id -u "$TEST_USER")
	[[ $(stat -fc %T /sys/fs/cgroup) == tmpfs ]] || {
		INFO "cgroups: no v1 hierarchies here: nothing to delegate"
		return 0
	}
	while read -r base; do
		dir=$base/skiff-$uid
		if [[ ! -d $dir ]]; then
			mkdir "$dir"
			made=1
		fi
		if [[ -f $dir/cpuset.cpus && -z $(<"$dir/cpuset.cpus") ]]; then
			cat "$base/cpuset.cpus" >"$dir/cpuset.cpus"
			cat "$base/cpuset.mems" >"$dir/cpuset.mems"
		fi
		chown "$TEST_USER:" "$dir" "$dir/cgroup.procs" "$dir/tasks"
	done < <(cgroup_v1_dirs)
	((made)) && INFO "cgroups: delegated skiff-$uid below $(cgroup_v1_dirs | paste -sd' ') to $TEST_USER"
	return 0
}

# remove_cgroup_delegation USER removes the skiff-UID subtrees delegated to
# USER in every v1 hierarchy, deepest first (containers' cgroups are empty
# once USER's processes are gone).
remove_cgroup_delegation() {
	local uid
	uid=$(id -u "$1" 2>/dev/null) || return 0
	[[ $(stat -fc %T /sys/fs/cgroup) == tmpfs ]] || return 0
	find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name "skiff-$uid" -prune -print 2>/dev/null |
		while read -r dir; do
			find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
			if [[ -d $dir ]]; then WARN "reset: $dir could not be removed"; fi
		done
	return 0
}

# ---------------------------------------------------------------------------
# Reset: stand where a new machine stands

# stop_user_processes USER kills every process of USER (containers, monitors, pause processes, network
# helpers, the systemd user manager) and waits for them to go, then unmounts what USER's namespaces
# left mounted on the host side (nothing, normally: their mounts die with their namespaces).
stop_user_processes() {
	local user=$1 uid i
	uid=$(id -u "$user" 2>/dev/null) || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pkill -KILL -U "$uid" 2>/dev/null || true
		pgrep -U "$uid" >/dev/null || break
		sleep 0.3
	done
	if pgrep -U "$uid" >/dev/null; then
		WARN "reset: processes of $user survive: $(pgrep -a -U "$uid" | head -n 5 | paste -sd';')"
	fi
}

# remove_user_cgroups USER removes the cgroups that set-up delegated to USER (the user manager's and
# the stand-in session scope), deepest first; they are empty once USER's processes are gone.
remove_user_cgroups() {
	local uid slice
	uid=$(id -u "$1" 2>/dev/null) || return 0
	slice=$(cgroup2_root)/user.slice/user-$uid.slice
	[[ -d $slice ]] || return 0
	find "$slice" -depth -type d -exec rmdir {} + 2>/dev/null || true
	if [[ -d $slice ]]; then WARN "reset: $slice could not be removed"; fi
	return 0
}

reset_user() {
	local user=$1 uid home
	getent passwd "$user" >/dev/null || return 0
	uid=$(id -u "$user")
	home=$(getent passwd "$user" | cut -d: -f6)
	stop_user_processes "$user"
	remove_user_cgroups "$user"
	remove_cgroup_delegation "$user"
	umount -R "/run/user/$uid" 2>/dev/null || true
	rm -rf "/run/user/$uid" "/tmp/skiff-run-$user".* "/tmp/storage-run-$uid" "/tmp/skiff-$uid" "/tmp/podman-run-$uid" \
		"/tmp/skiff-run-$uid" "/tmp/buildah-cache-$uid" "/var/tmp/buildah-cache-$uid"
	local f
	for f in /etc/subuid /etc/subgid; do
		[[ -f $f ]] && set_subid "$f" "$user"
	done
	userdel --remove "$user" 2>/dev/null || userdel "$user"
	rm -rf "$home"
	getent group "$user" >/dev/null && groupdel "$user"
	INFO "reset: removed user $user and $home"
}

# reset_slurm stops the one-node Slurm and munged and removes what ensure_slurm and ensure_munge wrote
# (the munge key stays with its package); slurmd's freezer cgroups are removed if left behind.
reset_slurm() {
	slurm_stop
	pkill -x slurmscriptd 2>/dev/null || true
	if pid_alive /run/munge/munged.pid; then
		local pid
		pid=$(</run/munge/munged.pid)
		kill "$pid"
		wait_gone "$pid"
	fi
	rm -rf "$SLURM_CONF" "$SLURM_CGROUP_CONF" "$SLURM_STATE" "$SLURM_SPOOL" "$SLURM_LOG"/*.log /run/munge
	find /sys/fs/cgroup/freezer -maxdepth 1 -type d -name 'slurm*' -exec find {} -depth -type d -exec rmdir {} + \; 2>/dev/null || true
	INFO "reset: stopped Slurm and munged, removed their configuration and state"
}

reset_host() {
	reset_user "$TEST_USER"
	reset_user "$NOSUB_USER"
	reset_slurm
	rm -rf "$SHARED_STORE"
	local pid=""
	[[ -f $REGISTRY_DIR/registry.pid ]] && pid=$(<"$REGISTRY_DIR/registry.pid")
	if [[ -n $pid ]] && grep -qs docker-registry "/proc/$pid/cmdline"; then
		kill "$pid"
		wait_gone "$pid"
		INFO "reset: stopped the registry (pid $pid)"
	fi
	pkill -f "docker-registry serve $REGISTRY_DIR/config.yml" 2>/dev/null || true
	rm -rf "$REGISTRY_DIR" "$IMAGES_DIR" "$REGISTRIES_CONF" /var/tmp/skiff-systemd-user.log
	if [[ -e $COMPOSE_PLUGIN ]]; then
		rm -f "$COMPOSE_PLUGIN"
		rmdir -p --ignore-fail-on-non-empty "$(dirname "$COMPOSE_PLUGIN")" 2>/dev/null || true
		INFO "reset: removed $COMPOSE_PLUGIN"
	fi
	INFO "reset: removed $REGISTRY_DIR, $IMAGES_DIR and $REGISTRIES_CONF (took $(elapsed_since "$START"))"
}

# ---------------------------------------------------------------------------

summary() {
	local catalog
	catalog=$(curl -fsS -m 5 "http://$REGISTRY/v2/_catalog" | jq -r '.repositories | join(" ")')
	INFO "summary (took $(elapsed_since "$START")):"
	{
		printf '  users:     %s (uid %s, subuid/subgid %s)  %s (uid %s, none)\n' \
			"$TEST_USER" "$(id -u "$TEST_USER")" "$(grep "^$TEST_USER:" /etc/subuid | cut -d: -f2-)" \
			"$NOSUB_USER" "$(id -u "$NOSUB_USER")"
		printf '  registry:  http://%s (%s), data %s\n' "$REGISTRY" "$REGISTRY_NAME" "$REGISTRY_DIR/data"
		local repo tags
		for repo in $catalog; do
			tags=$(curl -fsS -m 5 "http://$REGISTRY/v2/$repo/tags/list" | jq -r '.tags | sort | join(",")')
			printf '  image:     %s/%s:{%s}\n' "$REGISTRY_NAME" "$repo" "$tags"
		done
		printf '  devices:   %s\n' "$(stat -c '%n %a' /dev/net/tun /dev/fuse | paste -sd' ')"
		printf '  userns:    user.max_user_namespaces=%s  ping_group_range=%s\n' \
			"$(cat /proc/sys/user/max_user_namespaces)" "$(tr -s '\t' ' ' </proc/sys/net/ipv4/ping_group_range)"
		if ((WANT_SYSTEMD_USER)); then
			printf '  systemd:   user manager for %s: %s (XDG_RUNTIME_DIR=/run/user/%s)\n' \
				"$TEST_USER" "$(systemd_user_state)" "$(id -u "$TEST_USER")"
		fi
	} >&2
}

if ((WANT_RESET)); then
	reset_host
	exit 0
fi
ensure_packages "${PACKAGES[@]}"
ensure_devices
ensure_mqueue
ensure_sysctls
ensure_users
ensure_shared_store
ensure_slurm
ensure_cgroup_delegation
ensure_registry
ensure_registries_conf
ensure_images
ensure_distro_image
ensure_systemd_image
ensure_compose
if ((WANT_SYSTEMD_USER)); then
	ensure_systemd_user
fi
summary
