// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/rpc_posix.h>

#include "../../../vmm/io_proxy.h"
#include "../../../vmm/pci.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"
#include "proxy_peer.h"

/* Creates the link's objects as the supervisor would; the proxy owns them. */
static int link_new(struct proxy_peer *pp)
{
	struct sv_link_args *l = &pp->link;
	int ret;

	strcpy(l->peer, "dev");
	ret = sv_rpc_iobuf_create(PEER_IOBUF_SIZE, &l->iobuf_fd);
	if (!ret)
		ret = sv_rpc_iobuf_map(l->iobuf_fd, PEER_IOBUF_SIZE, &pp->iobuf);
	if (!ret)
		ret = sv_rpc_iobuf_init(pp->iobuf, PEER_IOBUF_SIZE);
	if (!ret)
		ret = sv_rpc_doorbell_create(&l->req_fd);
	if (!ret)
		ret = sv_rpc_doorbell_create(&l->resp_fd);
	for (; !ret && l->nkicks < PEER_NKICKS; l->nkicks++)
		ret = sv_rpc_doorbell_create(&l->kick_fds[l->nkicks]);
	for (; !ret && l->ncalls < PEER_NCALLS; l->ncalls++)
		ret = sv_rpc_doorbell_create(&l->call_fds[l->ncalls]);
	if (ret)
		return ret;
	pp->req_db = dup(l->req_fd);
	pp->resp_db = dup(l->resp_fd);
	return pp->req_db < 0 || pp->resp_db < 0 ? -EMFILE : 0;
}

int peer_open(struct proxy_peer *pp, int gic_version)
{
	int ret;

	memset(pp, 0, sizeof(*pp));
	pp->req_db = pp->resp_db = pp->vcpu_db = -1;
	pp->link.iobuf_fd = pp->link.req_fd = pp->link.resp_fd = pp->link.ram_fd = -1;
	pp->vm = fake_vm_new(gic_version);
	if (!pp->vm)
		return -ENOMEM;
	ret = pci_host_create(pp->vm, PEER_BRIDGE, &pp->pci);
	if (ret)
		return ret;
	ret = sv_rpc_doorbell_create(&pp->vcpu_db);
	if (ret)
		return ret;
	ret = sv_loop_init(&pp->loop);
	if (ret)
		return ret;
	pp->loop_ready = true;
	ret = link_new(pp);
	if (!ret)
		ret = sv_rpc_dev_open(&pp->dev, pp->iobuf, PEER_IOBUF_SIZE);
	if (ret)
		return ret;
	/* From here on the proxy owns the link's fds, also when it fails. */
	pp->link_given = true;
	ret = io_proxy_create(pp->vm, pp->pci, &pp->loop, &pp->link, &pp->proxy);
	if (ret)
		return ret;
	io_proxy_set_reply_timeout(pp->proxy, PEER_REPLY_TIMEOUT_MS);
	return 0;
}

void peer_close(struct proxy_peer *pp)
{
	io_proxy_destroy(pp->proxy);
	if (!pp->link_given)
		sv_link_args_close(&pp->link);
	if (pp->loop_ready)
		sv_loop_fini(&pp->loop);
	if (pp->iobuf)
		sv_rpc_iobuf_unmap(pp->iobuf, PEER_IOBUF_SIZE);
	if (pp->req_db >= 0)
		close(pp->req_db);
	if (pp->resp_db >= 0)
		close(pp->resp_db);
	if (pp->vcpu_db >= 0)
		close(pp->vcpu_db);
	pci_host_destroy(pp->pci);
	fake_vm_free(pp->vm);
	memset(pp, 0, sizeof(*pp));
}

int peer_deliver(struct proxy_peer *pp)
{
	int ret = sv_rpc_doorbell_ring(pp->resp_db);

	if (ret)
		return ret;
	ret = sv_loop_run_once(&pp->loop, 1000);
	return ret < 0 ? ret : ret == 0 ? -ETIMEDOUT : 0;
}

int peer_recv(struct proxy_peer *pp, struct sv_rpc_msg *req, int timeout_ms)
{
	uint64_t deadline = sv_rpc_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		int ret = sv_rpc_dev_recv(&pp->dev, req);

		if (ret != -EAGAIN)
			return ret;
		ret = sv_rpc_doorbell_wait(pp->req_db, sv_rpc_ms_left(deadline));
		if (ret)
			return ret;
	}
}

int peer_reply(struct proxy_peer *pp, const struct sv_rpc_msg *req, uint64_t data, int status)
{
	struct sv_rpc_msg rep = *req;
	int ret;

	if (rep.op == SV_RPC_OP_MMIO && !status && (rep.arg[2] >> 8 & 0xff) == SV_RPC_MMIO_READ)
		rep.arg[1] = data;
	ret = sv_rpc_dev_reply(&pp->dev, &rep, status);
	return ret ? ret : peer_deliver(pp);
}

int peer_forge_reply(struct proxy_peer *pp, const struct sv_rpc_msg *m, uint16_t id)
{
	struct sv_rpc_endpoint *ep = &pp->dev.ep;
	uint32_t slot = m->slot % ep->lay.nslots;
	void *e;
	int ret = sv_rpc_ring_reserve(&ep->rep, &e);

	if (ret)
		return ret;
	memcpy(&ep->slots[slot], m, sizeof(*m));
	*(uint16_t *)e = id;
	sv_rpc_ring_produce(&ep->rep);
	if (id < ep->lay.nslots)
		pp->dev.pending[id / 64] &= ~(1ull << (id % 64));
	return peer_deliver(pp);
}

static int reply_hello(struct proxy_peer *pp, struct sv_rpc_msg *req)
{
	req->arg[0] = SV_RPC_VERSION;
	req->arg[1] = 0;
	return peer_reply(pp, req, 0, 0);
}

/* Answers the HELLO the proxy sends to each new device epoch. */
static int answer_hello(struct proxy_peer *pp)
{
	struct sv_rpc_msg req;
	int ret = peer_recv(pp, &req, 1000);

	if (ret)
		return ret;
	return req.op == SV_RPC_OP_HELLO ? reply_hello(pp, &req) : -EPROTO;
}

int peer_recv_for(struct proxy_peer *pp, struct vcpu_access *a, struct sv_rpc_msg *req,
		  int timeout_ms)
{
	uint64_t deadline = sv_rpc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct pollfd pfd[2] = { { .fd = pp->req_db, .events = POLLIN },
				 { .fd = pp->vcpu_db, .events = POLLIN } };

	for (;;) {
		uint64_t n;
		int ret = sv_rpc_dev_recv(&pp->dev, req);

		if (ret == 0 && req->op == SV_RPC_OP_HELLO) {
			reply_hello(pp, req);
			continue;
		}
		if (ret != -EAGAIN)
			return ret;
		if (atomic_load(&a->done))
			return 1;
		ret = poll(pfd, 2, sv_rpc_ms_left(deadline));
		if (ret == 0)
			return -ETIMEDOUT;
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents && read(pfd[i].fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
				return -errno;
		}
	}
}

int peer_connect(struct proxy_peer *pp)
{
	int ret;

	sv_rpc_dev_sync(&pp->dev);
	ret = peer_deliver(pp);
	return ret ? ret : answer_hello(pp);
}

int peer_restart(struct proxy_peer *pp)
{
	int ret;

	sv_rpc_dev_reset(&pp->dev, SV_RPC_RESET_RESTART);
	ret = peer_deliver(pp);
	return ret ? ret : answer_hello(pp);
}

int peer_event(struct proxy_peer *pp, const struct sv_rpc_msg *m)
{
	int ret = sv_rpc_dev_send_event(&pp->dev, m);

	return ret ? ret : peer_deliver(pp);
}

int peer_register(struct proxy_peer *pp, uint32_t index)
{
	struct sv_rpc_pci_dev d = { .index = index };
	struct sv_rpc_msg m;
	int ret = sv_rpc_encode_pci_dev(&m, &d);

	return ret ? ret : peer_event(pp, &m);
}

int peer_region(struct proxy_peer *pp, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct sv_rpc_region r = { .gpa = gpa, .size = size, .flags = flags };
	struct sv_rpc_msg m;
	int ret = sv_rpc_encode_region(&m, &r);

	return ret ? ret : peer_event(pp, &m);
}

int peer_start(struct proxy_peer *pp)
{
	struct sv_rpc_msg m;

	sv_rpc_msg_init(&m, SV_RPC_OP_START_VM);
	return peer_event(pp, &m);
}

uint64_t peer_ecam(unsigned int slot, unsigned int off)
{
	return PEER_ECAM_BASE + ((uint64_t)slot << 15) + off;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_access *a = arg;

	a->handled = mmio_bus_dispatch(&a->pp->vm->bus, a->gpa, a->data, a->len, a->write);
	atomic_store(&a->done, true);
	sv_rpc_doorbell_ring(a->pp->vcpu_db);
	return NULL;
}

int vcpu_access_start(struct vcpu_access *a, struct proxy_peer *pp, uint64_t gpa, unsigned int len,
		      bool write, uint64_t value)
{
	memset(a, 0, sizeof(*a));
	a->pp = pp;
	a->gpa = gpa;
	a->len = len < sizeof(a->data) ? len : sizeof(a->data);
	a->write = write;
	/* Reads start from a pattern, so "nothing written" shows. */
	if (write)
		memcpy(a->data, &value, sizeof(value));
	else
		memset(a->data, 0x5a, sizeof(a->data));
	atomic_init(&a->done, false);
	return -pthread_create(&a->thread, NULL, vcpu_thread, a);
}

uint64_t vcpu_access_finish(struct vcpu_access *a)
{
	uint64_t v = 0;

	pthread_join(a->thread, NULL);
	memcpy(&v, a->data, a->len);
	return v;
}

uint64_t vcpu_access(struct proxy_peer *pp, uint64_t gpa, unsigned int len, bool write,
		     uint64_t value)
{
	struct vcpu_access a;

	if (vcpu_access_start(&a, pp, gpa, len, write, value))
		return 0;
	return vcpu_access_finish(&a);
}
