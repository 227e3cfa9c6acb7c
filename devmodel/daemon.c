// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/trace.h>

#include "daemon.h"

static int64_t ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void retry_later(struct dm_slot *s)
{
	int64_t t = dm_now_ms() + DM_RETRY_MS;

	s->retry_at.tv_sec = t / 1000;
	s->retry_at.tv_nsec = (t % 1000) * 1000000;
}

static void signal_ready(struct sv_watch *w, uint32_t events)
{
	struct dm_daemon *d = sv_container_of(w, struct dm_daemon, sig_watch);
	struct signalfd_siginfo si;

	(void)events;
	if (read(d->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	pr_info("signal %u: shutting down", si.ssi_signo);
	d->stop = true;
}

/* The notice of a link's worker that it ended; daemon_reap() closes the link. */
static void reap_ready(struct sv_watch *w, uint32_t events)
{
	struct dm_daemon *d = sv_container_of(w, struct dm_daemon, reap_watch);
	uint64_t n;

	(void)events;
	if (read(d->reap_fd, &n, sizeof(n)) < 0)
		return; /* nothing to read: daemon_reap() looks at every link anyway */
}

int dm_daemon_init(struct dm_daemon *d, const struct dm_kmod *km, const struct dm_options *opt,
		   const struct sv_link_spec *const *specs, unsigned int n)
{
	sigset_t set;
	int ret;

	memset(d, 0, sizeof(*d));
	d->km = *km;
	d->opt = *opt;
	d->sig_fd = -1;
	d->reap_fd = -1;
	if (n > SV_VM_MAX_LINKS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		d->slots[i].spec = specs[i];
	d->nr_slots = n;
	ret = sv_loop_init(&d->loop);
	if (ret)
		return ret;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	/* Before any link's thread exists, so that they all inherit the mask. */
	d->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sig_fd < 0)
		return -errno;
	ret = sv_loop_add(&d->loop, &d->sig_watch, d->sig_fd, signal_ready);
	if (ret)
		return ret;
	d->reap_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->reap_fd < 0)
		return -errno;
	return sv_loop_add(&d->loop, &d->reap_watch, d->reap_fd, reap_ready);
}

static void slot_try_open(struct dm_daemon *d, struct dm_slot *s)
{
	int ret = dm_link_open(&s->link, &d->km, &d->loop, s->spec, &d->opt);

	if (!ret) {
		/* A thread per link: one driver VM's work cannot hold up another's. */
		ret = dm_link_start(s->link, d->reap_fd);
		if (ret) {
			pr_err("link %u (%s): starting its thread: %s", s->spec->id,
			       s->spec->driver, strerror(-ret));
			dm_link_close(s->link);
		}
	}
	if (!ret) {
		s->last_err = 0;
		return;
	}
	s->link = NULL;
	if (ret != s->last_err)
		pr_warn("link %u (%s): cannot serve it yet: %s%s; retrying every %d ms",
			s->spec->id, s->spec->driver, strerror(-ret),
			ret == -ENOENT ? " (no such link in splitvirt.ko)" :
			ret == -EBUSY  ? " (another devmodel holds it)" :
					 "",
			DM_RETRY_MS);
	s->last_err = ret;
	retry_later(s);
}

/* Opens what is due; returns the epoll timeout until the next retry. */
static int daemon_service(struct dm_daemon *d)
{
	int64_t now = dm_now_ms(), next = -1;

	for (unsigned int i = 0; i < d->nr_slots; i++) {
		struct dm_slot *s = &d->slots[i];

		if (s->link)
			continue;
		if (ts_ms(&s->retry_at) <= now)
			slot_try_open(d, s);
		if (!s->link) {
			int64_t wait = ts_ms(&s->retry_at) - now;

			if (wait < 0)
				wait = 0;
			if (next < 0 || wait < next)
				next = wait;
		}
	}
	return (int)next;
}

/* Links whose worker ended (the handle broke): joined and closed here, on the daemon's thread. */
static void daemon_reap(struct dm_daemon *d)
{
	for (unsigned int i = 0; i < d->nr_slots; i++) {
		struct dm_slot *s = &d->slots[i];

		if (!s->link || !dm_link_done(s->link))
			continue;
		pr_info("link %u (%s): closing; reopening in %d ms", s->spec->id, s->spec->driver,
			DM_RETRY_MS);
		dm_link_close(s->link);
		s->link = NULL;
		s->last_err = 0;
		retry_later(s);
	}
}

void dm_trace_print(FILE *out)
{
	sv_trace_dump(out, SV_TRACE_TAG);
	/* A disk the host reads after the VM is gone: on it, not in our page cache. */
	if (out != stdout && fsync(fileno(out)))
		pr_warn("--trace-out: %s", strerror(errno));
}

/*
 * With --trace: prints the records once no stage was recorded for a
 * second, so printing (slow, on a console) never falls inside a timed
 * request. Returns the loop timeout, capped to look again in time.
 */
static int daemon_trace(struct dm_daemon *d, int timeout)
{
	uint64_t pending;
	int64_t now;

	if (!sv_trace_on())
		return timeout;
	pending = sv_trace_pending();
	now = dm_now_ms();
	if (pending != d->trace_pending) {
		d->trace_pending = pending;
		d->trace_quiet_since = now;
	} else if (pending && now - d->trace_quiet_since >= DM_TRACE_QUIET_MS) {
		dm_trace_print(d->opt.trace_out);
		d->trace_pending = 0;
	}
	return timeout < 0 || timeout > DM_TRACE_QUIET_MS / 4 ? DM_TRACE_QUIET_MS / 4 : timeout;
}

int dm_daemon_run(struct dm_daemon *d, unsigned int max_iterations)
{
	for (unsigned int it = 0; !d->stop; it++) {
		int timeout, ret;

		if (max_iterations && it == max_iterations)
			break;
		timeout = daemon_trace(d, daemon_service(d));
		if (max_iterations && (timeout < 0 || timeout > 10))
			timeout = 10;
		ret = sv_loop_run_once(&d->loop, timeout);
		if (ret < 0) {
			pr_err("event loop: %s", strerror(-ret));
			return ret;
		}
		daemon_reap(d);
	}
	return 0;
}

void dm_daemon_fini(struct dm_daemon *d)
{
	for (unsigned int i = 0; i < d->nr_slots; i++) {
		dm_link_close(d->slots[i].link);
		d->slots[i].link = NULL;
	}
	sv_loop_del(&d->loop, &d->sig_watch);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	d->sig_fd = -1;
	sv_loop_del(&d->loop, &d->reap_watch);
	if (d->reap_fd >= 0)
		close(d->reap_fd);
	d->reap_fd = -1;
	sv_loop_fini(&d->loop);
}

void dm_daemon_survey(const struct dm_kmod *km, const struct dm_config *cfg)
{
	int n = km->ops->nr_links(km->ctx), found = 0;

	if (n < 0) {
		pr_warn("SV_GET_NR_LINKS: %s", strerror(-n));
		return;
	}
	pr_info("splitvirt.ko has %d link(s)", n);
	for (uint32_t id = 0; id <= DM_PROBE_MAX_ID && found < n; id++) {
		struct sv_link_info info;

		if (km->ops->link_info(km->ctx, id, &info))
			continue;
		found++;
		info.name[sizeof(info.name) - 1] = '\0';
		if (dm_config_find(cfg, id))
			pr_info("link %u: driver VM '%s', RAM %llu MiB, %u kicks, %u calls%s", id,
				info.name, (unsigned long long)(info.ram_size >> 20), info.nr_kicks,
				info.nr_calls,
				info.connected ? "" : ", driver side not connected yet");
		else
			pr_warn("link %u (driver VM '%s') has no sv.link%u= parameter; not served",
				id, info.name, id);
	}
}
