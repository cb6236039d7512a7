# apt_install PACKAGE...: apt-get install that survives another package manager holding the lock.
# Another process (unattended-upgrades, a parallel job) may hold the dpkg/apt lock: each apt-get
# waits up to 5 minutes for it, and the whole install is retried 5 times with growing pauses
# (APT_RETRY_WAIT seconds times the attempt number; 20 by default).
apt_install() {
    local attempt wait="${APT_RETRY_WAIT:-20}"
    for attempt in 1 2 3 4 5; do
        if apt-get -o DPkg::Lock::Timeout=300 update -qq &&
           apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null; then
            return 0
        fi
        if [ "$attempt" -lt 5 ]; then
            echo "apt-get failed (attempt $attempt of 5); retrying in $((attempt * wait)) s" >&2
            sleep $((attempt * wait))
        fi
    done
    echo "could not install $* after 5 attempts" >&2
    return 1
}
