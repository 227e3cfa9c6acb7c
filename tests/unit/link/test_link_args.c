// SPDX-License-Identifier: GPL-2.0
/*
 * The vmm's --link / --serve argument: what the writer produces parses
 * back to the same struct, and what the parser or the writer must refuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <splitvirt/link_args.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DRIVER SV_LINK_DRIVER_SIDE
#define DEVICE SV_LINK_DEVICE_SIDE

static char err[256];

struct round_trip {
	enum sv_link_side side;
	struct sv_link_args args;
	const char *text; /* what the writer must produce, or NULL: not checked */
};

/* Fields the side does not carry are -1 / 0, as the parser leaves them. */
static const struct round_trip round_trips[] = {
	{
		.side = DRIVER,
		.args = { .id = 0,
			  .peer = "devvm",
			  .iobuf_fd = 5,
			  .req_fd = 6,
			  .resp_fd = 7,
			  .nkicks = 2,
			  .kick_fds = { 8, 9 },
			  .ncalls = 2,
			  .call_fds = { 10, 11 },
			  .ram_fd = -1 },
		.text = "id=0,peer=devvm,iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8:9,call-fds=10:11",
	},
	{
		.side = DEVICE,
		.args = { .id = 1,
			  .peer = "app2",
			  .iobuf_fd = 12,
			  .req_fd = 13,
			  .resp_fd = 14,
			  .nkicks = 2,
			  .kick_fds = { 15, 16 },
			  .ncalls = 1,
			  .call_fds = { 17 },
			  .ram_fd = 11,
			  .ram_gpa = 0x40000000,
			  .ram_size = 128ull << 20,
			  .state_fd = 18 },
		.text = "id=1,peer=app2,ram-fd=11,ram-gpa=0x40000000,ram-size=134217728,state-fd=18,"
			"iobuf-fd=12,req-fd=13,resp-fd=14,kick-fds=15:16,call-fds=17",
	},
	/* No doorbells: the lists are left out ("kick-fds=" would not parse). */
	{
		.side = DRIVER,
		.args = { .id = 7,
			  .peer = "d",
			  .iobuf_fd = 0,
			  .req_fd = 1,
			  .resp_fd = 2,
			  .ram_fd = -1 },
		.text = "id=7,peer=d,iobuf-fd=0,req-fd=1,resp-fd=2",
	},
	{
		.side = DEVICE,
		.args = { .id = 2,
			  .peer = "a",
			  .iobuf_fd = 3,
			  .req_fd = 3,
			  .resp_fd = 3,
			  .ncalls = 1,
			  .call_fds = { 4 },
			  .ram_fd = 65535,
			  .ram_gpa = 0,
			  .ram_size = 4096,
			  .state_fd = -1 },
		.text = "id=2,peer=a,ram-fd=65535,ram-gpa=0x0,ram-size=4096,iobuf-fd=3,req-fd=3,"
			"resp-fd=3,call-fds=4",
	},
	{
		.side = DEVICE,
		.args = { .id = 3,
			  .peer = "big-ram_1",
			  .iobuf_fd = 100,
			  .req_fd = 200,
			  .resp_fd = 300,
			  .nkicks = 1,
			  .kick_fds = { 400 },
			  .ram_fd = 9,
			  .ram_gpa = 0xffffffffffff0000ull,
			  .ram_size = 16ull << 30,
			  .state_fd = -1 },
		.text = "id=3,peer=big-ram_1,ram-fd=9,ram-gpa=0xffffffffffff0000,"
			"ram-size=17179869184,iobuf-fd=100,req-fd=200,resp-fd=300,kick-fds=400",
	},
	/* A DMA window: dma-* right after peer on the driver side... */
	{
		.side = DRIVER,
		.args = { .id = 4,
			  .peer = "devvm",
			  .iobuf_fd = 5,
			  .req_fd = 6,
			  .resp_fd = 7,
			  .nkicks = 1,
			  .kick_fds = { 8 },
			  .ncalls = 1,
			  .call_fds = { 9 },
			  .ram_fd = -1,
			  .dma_fd = 12,
			  .dma_gpa = 0x4040000000ull,
			  .dma_size = SV_GUEST_DEFAULT_DMA_WINDOW },
		.text = "id=4,peer=devvm,dma-fd=12,dma-gpa=0x4040000000,dma-size=8388608,"
			"iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8,call-fds=9",
	},
	/* ... and ram-window=1 after ram-size on the device side. */
	{
		.side = DEVICE,
		.args = { .id = 4,
			  .peer = "app",
			  .iobuf_fd = 5,
			  .req_fd = 6,
			  .resp_fd = 7,
			  .ram_fd = 12,
			  .ram_gpa = 0x4000000000ull,
			  .ram_size = SV_GUEST_DMA_WINDOW_MAX,
			  .ram_window = true,
			  .state_fd = 13 },
		.text = "id=4,peer=app,ram-fd=12,ram-gpa=0x4000000000,ram-size=268435456,"
			"ram-window=1,state-fd=13,iobuf-fd=5,req-fd=6,resp-fd=7",
	},
	/* The smallest window, at address 0. */
	{
		.side = DRIVER,
		.args = { .id = 5,
			  .peer = "d",
			  .iobuf_fd = 1,
			  .req_fd = 2,
			  .resp_fd = 3,
			  .ram_fd = -1,
			  .dma_fd = 0,
			  .dma_gpa = 0,
			  .dma_size = SV_GUEST_DMA_WINDOW_MIN },
		.text = "id=5,peer=d,dma-fd=0,dma-gpa=0x0,dma-size=1048576,iobuf-fd=1,req-fd=2,resp-fd=3",
	},
};

/* Every field but those of the DMA window. */
static void assert_same_links(const struct sv_link_args *a, const struct sv_link_args *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->peer, b->peer);
	assert_int_equal(a->iobuf_fd, b->iobuf_fd);
	assert_int_equal(a->req_fd, b->req_fd);
	assert_int_equal(a->resp_fd, b->resp_fd);
	assert_int_equal(a->nkicks, b->nkicks);
	assert_memory_equal(a->kick_fds, b->kick_fds, a->nkicks * sizeof(int));
	assert_int_equal(a->ncalls, b->ncalls);
	assert_memory_equal(a->call_fds, b->call_fds, a->ncalls * sizeof(int));
	assert_int_equal(a->ram_fd, b->ram_fd);
	assert_int_equal(a->ram_gpa, b->ram_gpa);
	assert_int_equal(a->ram_size, b->ram_size);
}

/* back is what the parser made of the text the writer made of a, for side. */
static void assert_args_equal(enum sv_link_side side, const struct sv_link_args *back,
			      const struct sv_link_args *a)
{
	/* What the side does not carry comes back as the parser's "none". */
	bool window = side == DRIVER && a->dma_size;

	assert_int_equal(back->dma_fd, window ? a->dma_fd : -1);
	assert_int_equal(back->dma_gpa, window ? a->dma_gpa : 0);
	assert_int_equal(back->dma_size, window ? a->dma_size : 0);
	assert_int_equal(back->ram_window, side == DEVICE && a->ram_window);
	assert_same_links(back, a);
}

/* Writes a, checks the text if given, parses it back and compares. */
static void round_trip(enum sv_link_side side, const struct sv_link_args *a, const char *want)
{
	struct sv_link_args back;
	char text[SV_LINK_ARGS_TEXT_MAX];
	int n = sv_link_args_format(a, side, text, sizeof(text));

	assert_true(n > 0);
	assert_true(n < SV_LINK_ARGS_TEXT_MAX);
	assert_int_equal(n, (int)strlen(text));
	if (want)
		assert_string_equal(text, want);
	assert_int_equal(sv_link_args_check(a, side, err, sizeof(err)), 0);
	if (sv_link_args_parse(text, side, &back, err, sizeof(err)))
		fail_msg("'%s' does not parse back: %s", text, err);
	assert_args_equal(side, &back, a);
	/* The driver side carries no state area: the parser leaves -1. */
	assert_int_equal(back.state_fd, side == DEVICE ? a->state_fd : -1);
}

static void test_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(round_trips); i++)
		round_trip(round_trips[i].side, &round_trips[i].args, round_trips[i].text);
}

/* The longest argument there is still fits the parser's buffer. */
static void test_round_trip_limits(void **state)
{
	struct sv_link_args a = {
		.id = SV_LINK_ARGS_MAX_ID,
		.peer = "p234567890123456789012345678901",
		.iobuf_fd = SV_LINK_ARGS_MAX_FD,
		.req_fd = SV_LINK_ARGS_MAX_FD,
		.resp_fd = SV_LINK_ARGS_MAX_FD,
		.nkicks = SV_LINK_ARGS_MAX_FDS,
		.ncalls = SV_LINK_ARGS_MAX_FDS,
		.ram_fd = SV_LINK_ARGS_MAX_FD,
		.ram_gpa = UINT64_MAX,
		.ram_size = UINT64_MAX & ~0xfffull,
		.ram_window = true,
		.state_fd = SV_LINK_ARGS_MAX_FD,
		.dma_fd = SV_LINK_ARGS_MAX_FD,
		/* the highest window that does not wrap */
		.dma_gpa = (UINT64_MAX - SV_GUEST_DMA_WINDOW_MAX + 1) - SV_GUEST_DMA_WINDOW_ALIGN,
		.dma_size = SV_GUEST_DMA_WINDOW_MAX,
	};

	(void)state;
	assert_int_equal(strlen(a.peer), SV_LINK_ARGS_PEER_MAX);
	for (unsigned int i = 0; i < SV_LINK_ARGS_MAX_FDS; i++) {
		a.kick_fds[i] = SV_LINK_ARGS_MAX_FD - (int)i;
		a.call_fds[i] = 10000 + (int)i;
	}
	round_trip(DEVICE, &a, NULL);
	a.ram_fd = -1;
	a.ram_gpa = a.ram_size = 0;
	round_trip(DRIVER, &a, NULL);
}

/*
 * The driver side ignores the RAM fields, the device side the DMA window;
 * the device side needs its RAM fields.
 */
static void test_format_sides(void **state)
{
	const struct sv_link_args *dev = &round_trips[1].args;
	struct sv_link_args drv = round_trips[5].args;
	char text[SV_LINK_ARGS_TEXT_MAX];

	(void)state;
	assert_true(sv_link_args_format(dev, DRIVER, text, sizeof(text)) > 0);
	assert_null(strstr(text, "ram-"));
	drv.ram_fd = 4;
	drv.ram_size = 4096;
	drv.ram_window = true;
	assert_true(sv_link_args_format(&drv, DEVICE, text, sizeof(text)) > 0);
	assert_null(strstr(text, "dma-"));
	/* Without a size there is no window, whatever the other two hold. */
	drv.dma_size = 0;
	drv.dma_gpa = 3;
	assert_true(sv_link_args_format(&drv, DRIVER, text, sizeof(text)) > 0);
	assert_null(strstr(text, "dma-"));
	assert_int_equal(sv_link_args_format(&round_trips[0].args, DEVICE, text, sizeof(text)),
			 -EINVAL);
	assert_string_equal(sv_link_side_option(DRIVER), "--link");
	assert_string_equal(sv_link_side_option(DEVICE), "--serve");
}

/* snprintf rules: the full length whatever fits, always NUL-terminated. */
static void test_format_truncates(void **state)
{
	const struct sv_link_args *a = &round_trips[0].args;
	int full = (int)strlen(round_trips[0].text);
	char buf[20];

	(void)state;
	assert_int_equal(sv_link_args_format(a, DRIVER, NULL, 0), full);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sv_link_args_format(a, DRIVER, buf, sizeof(buf)), full);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, round_trips[0].text, sizeof(buf) - 1);
}

struct bad_args {
	enum sv_link_side side;
	struct sv_link_args args;
	const char *msg; /* a substring of sv_link_args_check()'s message */
};

/* The fields one case does not break are valid. */
#define ARGS(...) .args = { .peer = "p", .iobuf_fd = 5, .req_fd = 6, .resp_fd = 7, __VA_ARGS__ }

static const struct bad_args bad_args[] = {
	{ .side = DRIVER, ARGS(.id = 256), .msg = "--link: id 256 is over 255" },
	{ .side = DRIVER,
	  .args = { .iobuf_fd = 5, .req_fd = 6, .resp_fd = 7 },
	  .msg = "--link: peer must be 1-31 bytes" },
	{ .side = DRIVER,
	  .args = { .peer = "a,b", .iobuf_fd = 5, .req_fd = 6, .resp_fd = 7 },
	  .msg = "--link: peer must be 1-31 bytes without ','" },
	{ .side = DRIVER,
	  .args = { .peer = "p", .iobuf_fd = -1, .req_fd = 6, .resp_fd = 7 },
	  .msg = "iobuf-fd has -1" },
	{ .side = DRIVER,
	  .args = { .peer = "p", .iobuf_fd = 5, .req_fd = 65536, .resp_fd = 7 },
	  .msg = "req-fd has 65536" },
	{ .side = DRIVER,
	  .args = { .peer = "p", .iobuf_fd = 5, .req_fd = 6, .resp_fd = -2 },
	  .msg = "resp-fd has -2" },
	{ .side = DRIVER, ARGS(.nkicks = 2, .kick_fds = { 8, -1 }), .msg = "kick-fds has -1" },
	{ .side = DRIVER,
	  ARGS(.nkicks = SV_LINK_ARGS_MAX_FDS + 1),
	  .msg = "65 kick-fds; the limit is 64" },
	{ .side = DRIVER,
	  ARGS(.ncalls = SV_LINK_ARGS_MAX_FDS + 1),
	  .msg = "65 call-fds; the limit is 64" },
	{ .side = DEVICE, ARGS(.ram_fd = -1, .ram_size = 4096), .msg = "--serve: ram-fd has -1" },
	{ .side = DEVICE,
	  ARGS(.ram_fd = 4, .ram_size = 0),
	  .msg = "--serve: ram-size 0 is not a non-zero multiple of 4096" },
	{ .side = DEVICE, ARGS(.ram_fd = 4, .ram_size = 4097), .msg = "ram-size 4097 is not" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = -1, .dma_size = 8 << 20),
	  .msg = "--link: dma-fd has -1; an fd is 0-65535" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = 70000, .dma_size = 8 << 20),
	  .msg = "--link: dma-fd has 70000" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = 4, .dma_size = 3 << 19),
	  .msg = "--link: dma-size 1572864 is not a multiple of 1048576 from 1048576 to 268435456" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = 4, .dma_size = 512 << 20),
	  .msg = "dma-size 536870912 is not a multiple" },
	{ .side = DRIVER, ARGS(.dma_fd = 4, .dma_size = 4096), .msg = "dma-size 4096 is not" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = 4, .dma_gpa = 0x4000080000ull, .dma_size = 8 << 20),
	  .msg = "--link: dma-gpa 0x4000080000 is not a multiple of 0x100000" },
	{ .side = DRIVER,
	  ARGS(.dma_fd = 4, .dma_gpa = 0xfffffffffff00000ull, .dma_size = 2 << 20),
	  .msg = "--link: the DMA window at dma-gpa 0xfffffffffff00000 wraps around" },
};

static void test_format_refuses(void **state)
{
	char buf[SV_LINK_ARGS_TEXT_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_args); i++) {
		const struct bad_args *b = &bad_args[i];
		int ret = sv_link_args_check(&b->args, b->side, err, sizeof(err));

		if (ret != -EINVAL || !strstr(err, b->msg))
			fail_msg("bad args %zu: got %d '%s', want '%s'", i, ret, err, b->msg);
		assert_int_equal(sv_link_args_format(&b->args, b->side, buf, sizeof(buf)), -EINVAL);
	}
}

static void test_parse_defaults(void **state)
{
	struct sv_link_args a;

	(void)state;
	/* No peer: "link<id>"; no doorbells; lenient about empty items. */
	assert_int_equal(sv_link_args_parse("id=4,iobuf-fd=5,,req-fd=6,resp-fd=7,", DRIVER, &a, err,
					    sizeof(err)),
			 0);
	assert_string_equal(a.peer, "link4");
	assert_int_equal(a.nkicks, 0);
	assert_int_equal(a.ncalls, 0);
	assert_int_equal(a.ram_fd, -1);
	assert_int_equal(sv_link_args_parse("id=0,iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8::",
					    DRIVER, &a, err, sizeof(err)),
			 0);
	assert_int_equal(a.nkicks, 1);
	assert_int_equal(a.kick_fds[0], 8);
	/* ram-gpa is optional and takes C syntax, like ram-size. */
	assert_int_equal(sv_link_args_parse("id=0,iobuf-fd=5,req-fd=6,resp-fd=7,ram-fd=4,"
					    "ram-size=0x1000",
					    DEVICE, &a, err, sizeof(err)),
			 0);
	assert_int_equal(a.ram_gpa, 0);
	assert_int_equal(a.ram_size, 4096);
	assert_false(a.ram_window);
	assert_int_equal(a.dma_fd, -1);
	/* No window: the parser's "none"; ram-window=0 is the default said out loud. */
	assert_int_equal(sv_link_args_parse("id=0,iobuf-fd=5,req-fd=6,resp-fd=7", DRIVER, &a, err,
					    sizeof(err)),
			 0);
	assert_int_equal(a.dma_fd, -1);
	assert_int_equal(a.dma_gpa, 0);
	assert_int_equal(a.dma_size, 0);
	assert_int_equal(
		sv_link_args_parse("id=0,iobuf-fd=5,req-fd=6,resp-fd=7,ram-fd=4,ram-size=4096,"
				   "ram-window=1,ram-window=0",
				   DEVICE, &a, err, sizeof(err)),
		0);
	assert_false(a.ram_window);
	/* The window takes C syntax, in any order. */
	assert_int_equal(sv_link_args_parse("dma-size=0x800000,id=0,iobuf-fd=5,req-fd=6,resp-fd=7"
					    ",dma-gpa=274877906944,dma-fd=010",
					    DRIVER, &a, err, sizeof(err)),
			 0);
	assert_int_equal(a.dma_fd, 10);
	assert_int_equal(a.dma_gpa, 0x4000000000ull);
	assert_int_equal(a.dma_size, 8 << 20);
}

struct bad_text {
	enum sv_link_side side;
	const char *text;
	const char *msg; /* a substring of the error */
};

#define FDS "iobuf-fd=5,req-fd=6,resp-fd=7"
#define RAM "ram-fd=4,ram-size=4096"
#define DMA(size) "dma-fd=9,dma-gpa=0x4000000000,dma-size=" #size
#define BAD(s, t, m)                                 \
	{                                            \
		.side = (s), .text = (t), .msg = (m) \
	}

static const struct bad_text bad_texts[] = {
	BAD(DRIVER, "id=0,iobuf-fd=5", "--link needs id, iobuf-fd, req-fd and resp-fd"),
	BAD(DRIVER, "iobuf-fd=5,req-fd=6,resp-fd=7", "needs id, iobuf-fd, req-fd and resp-fd"),
	BAD(DRIVER, "", "needs id, iobuf-fd, req-fd and resp-fd"),
	BAD(DRIVER, "id=0,ram-fd=4", "--link: unknown key 'ram-fd'"),
	BAD(DRIVER, "id=0," FDS ",ram-size=4096", "--link: unknown key 'ram-size'"),
	BAD(DRIVER, "id=0," FDS ",bogus=1", "unknown key 'bogus'"),
	BAD(DRIVER, "id=0," FDS ",kick-fds", "--link: 'kick-fds' is not key=value"),
	BAD(DEVICE, "id=0," FDS ",ram-fd=4", "--serve also needs ram-fd and ram-size"),
	BAD(DEVICE, "id=0," FDS ",ram-size=4096", "--serve also needs ram-fd and ram-size"),
	BAD(DRIVER, "id=0,iobuf-fd=5,req-fd=6,resp-fd=x,kick-fds=8", "bad value 'x' for resp-fd"),
	BAD(DRIVER, "id=0," FDS ",kick-fds=", "bad value '' for kick-fds"),
	BAD(DRIVER, "id=0," FDS ",call-fds=:", "bad value ':' for call-fds"),
	BAD(DRIVER, "id=0," FDS ",kick-fds=8:-9", "bad value '8:-9' for kick-fds"),
	BAD(DRIVER, "id=256," FDS, "bad value '256' for id"),
	BAD(DRIVER, "id=-1," FDS, "bad value '-1' for id"),
	BAD(DRIVER, "id=0,iobuf-fd=65536,req-fd=6,resp-fd=7", "bad value '65536' for iobuf-fd"),
	BAD(DRIVER, "id=0,peer=," FDS, "bad value '' for peer"),
	BAD(DRIVER, "id=0,peer=p2345678901234567890123456789012," FDS, "for peer"),
	BAD(DEVICE, "id=0," FDS ",ram-fd=4,ram-size=4097", "bad value '4097' for ram-size"),
	BAD(DEVICE, "id=0," FDS ",ram-fd=4,ram-size=0", "bad value '0' for ram-size"),
	BAD(DEVICE, "id=0," FDS ",ram-fd=4,ram-size=-4096", "bad value '-4096' for ram-size"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-gpa=-1", "bad value '-1' for ram-gpa"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-gpa= 1", "bad value ' 1' for ram-gpa"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-gpa=0x1g", "bad value '0x1g' for ram-gpa"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-gpa=0x10000000000000000", "for ram-gpa"),
	/* The DMA window: all three keys, in range, on the driver side only. */
	BAD(DRIVER, "id=0," FDS ",dma-fd=9,dma-gpa=0x4000000000",
	    "--link: dma-fd, dma-gpa and dma-size go together; dma-size is missing"),
	BAD(DRIVER, "id=0," FDS ",dma-fd=9,dma-size=8388608", "; dma-gpa is missing"),
	BAD(DRIVER, "id=0," FDS ",dma-gpa=0x4000000000,dma-size=8388608", "; dma-fd is missing"),
	BAD(DRIVER, "id=0," FDS ",dma-size=8388608", "; dma-fd is missing"),
	BAD(DRIVER, "id=0," FDS "," DMA(4096),
	    "--link: bad value '4096' for dma-size; give a multiple of 1048576 from 1048576 to 268435456"),
	BAD(DRIVER, "id=0," FDS "," DMA(0), "bad value '0' for dma-size"),
	BAD(DRIVER, "id=0," FDS "," DMA(0x10100000), "bad value '0x10100000' for dma-size"),
	BAD(DRIVER, "id=0," FDS "," DMA(0x180000), "bad value '0x180000' for dma-size"),
	BAD(DRIVER, "id=0," FDS "," DMA(-8388608), "bad value '-8388608' for dma-size"),
	BAD(DRIVER, "id=0," FDS ",dma-fd=9,dma-gpa=0x4000001000,dma-size=8388608",
	    "--link: bad value '0x4000001000' for dma-gpa; give a multiple of 0x100000"),
	BAD(DRIVER, "id=0," FDS ",dma-fd=9,dma-gpa=0xfffffffffff00000,dma-size=0x100000",
	    "--link: the DMA window at dma-gpa 0xfffffffffff00000 wraps around"),
	BAD(DRIVER, "id=0," FDS ",dma-fd=65536,dma-gpa=0,dma-size=8388608",
	    "bad value '65536' for dma-fd"),
	BAD(DEVICE, "id=0," FDS "," RAM ",dma-fd=9", "--serve: unknown key 'dma-fd'"),
	BAD(DEVICE, "id=0," FDS "," RAM "," DMA(8388608), "--serve: unknown key 'dma-fd'"),
	BAD(DRIVER, "id=0," FDS ",ram-window=1", "--link: unknown key 'ram-window'"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-window=2",
	    "--serve: bad value '2' for ram-window; give 0 or 1"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-window=yes", "bad value 'yes' for ram-window"),
	BAD(DEVICE, "id=0," FDS "," RAM ",ram-window=", "bad value '' for ram-window"),
};

static void test_parse_refuses(void **state)
{
	struct sv_link_args a;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_texts); i++) {
		const struct bad_text *b = &bad_texts[i];
		int ret;

		err[0] = '\0';
		ret = sv_link_args_parse(b->text, b->side, &a, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, b->msg))
			fail_msg("%s '%s': got %d '%s', want '%s'", sv_link_side_option(b->side),
				 b->text, ret, err, b->msg);
	}
}

static void test_parse_too_long(void **state)
{
	char text[SV_LINK_ARGS_TEXT_MAX + 64] = "id=0," FDS ",kick-fds=3";
	struct sv_link_args a;
	size_t len = strlen(text);

	(void)state;
	/* 65 doorbells: one too many. */
	for (int i = 0; i < SV_LINK_ARGS_MAX_FDS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, ":%d", 10 + i);
	assert_int_equal(sv_link_args_parse(text, DRIVER, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "for kick-fds"));
	memset(text + len, '9', sizeof(text) - len - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(sv_link_args_parse(text, DRIVER, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--link: argument too long"));
}

static void test_close(void **state)
{
	struct sv_link_args a;
	int p[2], q[2];
	char text[128];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	snprintf(text, sizeof(text),
		 "id=0,iobuf-fd=%d,req-fd=%d,resp-fd=%d,kick-fds=%d,ram-fd=%d,ram-size=4096", p[0],
		 p[1], q[0], q[1], dup(p[0]));
	assert_int_equal(sv_link_args_parse(text, DEVICE, &a, err, sizeof(err)), 0);
	sv_link_args_close(&a);
	assert_int_equal(a.iobuf_fd, -1);
	assert_int_equal(a.ram_fd, -1);
	assert_int_equal(a.kick_fds[0], -1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fcntl(p[i], F_GETFD), -1);
		assert_int_equal(fcntl(q[i], F_GETFD), -1);
	}
	/* Twice is harmless: everything is -1 now. */
	sv_link_args_close(&a);
	/* The driver side's window too. */
	assert_int_equal(pipe(p), 0);
	snprintf(text, sizeof(text),
		 "id=0,iobuf-fd=%d,req-fd=%d,resp-fd=%d,dma-fd=%d,dma-gpa=0,dma-size=1048576", p[0],
		 p[1], dup(p[0]), dup(p[1]));
	assert_int_equal(sv_link_args_parse(text, DRIVER, &a, err, sizeof(err)), 0);
	q[0] = a.dma_fd;
	sv_link_args_close(&a);
	assert_int_equal(a.dma_fd, -1);
	assert_int_equal(fcntl(q[0], F_GETFD), -1);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),    cmocka_unit_test(test_round_trip_limits),
		cmocka_unit_test(test_format_sides),   cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_format_refuses), cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_refuses),  cmocka_unit_test(test_parse_too_long),
		cmocka_unit_test(test_close),
	};

	return cmocka_run_group_tests_name("link_args", tests, NULL, NULL);
}
