// SPDX-License-Identifier: GPL-2.0-only
/*
 * OSM_IOC_GET_API and the error paths of /dev/osmosis.
 *
 * The oracle is the uapi header and the size-versioned struct contract it
 * documents (as clone3(2) and copy_struct_from_user() define it): one
 * contract per test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

FIXTURE(api) {
	int fd;
};

FIXTURE_SETUP(api)
{
	self->fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %m", osm_test_device());
}

FIXTURE_TEARDOWN(api)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ioctl(2) result as 0 or the errno it failed with. */
static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

TEST_F_TIMEOUT(api, get_api_reports_header_versions, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };

	ASSERT_EQ(0, ioctl_err(self->fd, OSM_IOC_GET_API, &a))
		TH_LOG("OSM_IOC_GET_API: %m");
	EXPECT_EQ(OSM_API_MAJOR, a.api_major);
	EXPECT_EQ(OSM_API_MINOR, a.api_minor);
	EXPECT_EQ(OSM_GRAPH_MAJOR, a.graph_major);
	EXPECT_EQ(OSM_GRAPH_MINOR, a.graph_minor);
	EXPECT_EQ(0, a.flags);
}

TEST_F_TIMEOUT(api, get_api_reports_graph_read_and_itself, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };

	ASSERT_EQ(0, ioctl_err(self->fd, OSM_IOC_GET_API, &a))
		TH_LOG("OSM_IOC_GET_API: %m");
	EXPECT_TRUE(a.features & OSM_FEAT_GRAPH_READ)
		TH_LOG("features 0x%llx", (unsigned long long)a.features);
	EXPECT_TRUE(a.ioctls & (1ULL << _IOC_NR(OSM_IOC_GET_API)))
		TH_LOG("ioctls 0x%llx", (unsigned long long)a.ioctls);
}

TEST_F_TIMEOUT(api, graph_version_matches_stream, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };
	char want[64], *buf;
	size_t len;

	ASSERT_EQ(0, ioctl_err(self->fd, OSM_IOC_GET_API, &a));
	buf = osm_test_read_fd(self->fd, 4096, &len);
	ASSERT_NE(NULL, buf) TH_LOG("read %s: %m", osm_test_device());
	snprintf(want, sizeof(want), OSM_GRAPH_MAGIC " %u.%u", a.graph_major,
		 a.graph_minor);
	EXPECT_EQ(0, strncmp(buf, want, strlen(want)))
		TH_LOG("ioctl says '%s', stream starts '%.40s'", want, buf);
	EXPECT_TRUE(buf[strlen(want)] == ' ' || buf[strlen(want)] == '\n');
	free(buf);
}

TEST_F_TIMEOUT(api, library_wrapper_agrees, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) }, b;

	ASSERT_EQ(0, ioctl_err(self->fd, OSM_IOC_GET_API, &a));
	memset(&b, 0xa5, sizeof(b));
	ASSERT_EQ(0, osm_ioc_get_api(self->fd, &b)) TH_LOG("%m");
	EXPECT_EQ(a.api_major, b.api_major);
	EXPECT_EQ(a.api_minor, b.api_minor);
	EXPECT_EQ(a.graph_major, b.graph_major);
	EXPECT_EQ(a.graph_minor, b.graph_minor);
	EXPECT_EQ(a.features, b.features);
	EXPECT_EQ(a.ioctls, b.ioctls);
}

TEST_F_TIMEOUT(api, size_below_ver0_is_einval, OSM_TIMEOUT)
{
	struct osm_api a = { .size = OSM_API_SIZE_VER0 - 8 };

	EXPECT_EQ(EINVAL, ioctl_err(self->fd, OSM_IOC_GET_API, &a));
}

TEST_F_TIMEOUT(api, size_zero_is_einval, OSM_TIMEOUT)
{
	struct osm_api a = { .size = 0 };

	EXPECT_EQ(EINVAL, ioctl_err(self->fd, OSM_IOC_GET_API, &a));
}

/* A newer caller's bigger struct: its zero tail is accepted and kept zero. */
TEST_F_TIMEOUT(api, larger_struct_zero_tail_succeeds, OSM_TIMEOUT)
{
	struct {
		struct osm_api a;
		__u64 tail;
	} big;

	memset(&big, 0, sizeof(big));
	big.a.size = OSM_API_SIZE_VER0 + 8;
	ASSERT_EQ(0, ioctl_err(self->fd, OSM_IOC_GET_API, &big))
		TH_LOG("size %u: %m", big.a.size);
	EXPECT_EQ(OSM_API_MAJOR, big.a.api_major);
	EXPECT_EQ(0, big.tail);
}

TEST_F_TIMEOUT(api, larger_struct_nonzero_tail_is_e2big, OSM_TIMEOUT)
{
	struct {
		struct osm_api a;
		__u8 tail[8];
	} big;

	memset(&big, 0, sizeof(big));
	big.a.size = OSM_API_SIZE_VER0 + 8;
	big.tail[7] = 1;
	EXPECT_EQ(E2BIG, ioctl_err(self->fd, OSM_IOC_GET_API, &big));
}

TEST_F_TIMEOUT(api, size_above_page_is_e2big, OSM_TIMEOUT)
{
	long page = sysconf(_SC_PAGESIZE);
	struct osm_api *a = calloc(1, page + 1);

	ASSERT_NE(NULL, a);
	a->size = page + 1;
	EXPECT_EQ(E2BIG, ioctl_err(self->fd, OSM_IOC_GET_API, a))
		TH_LOG("size %ld", page + 1);
	free(a);
}

TEST_F_TIMEOUT(api, every_flag_bit_is_einval, OSM_TIMEOUT)
{
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		struct osm_api a = { .size = sizeof(a), .flags = 1U << bit };

		EXPECT_EQ(EINVAL, ioctl_err(self->fd, OSM_IOC_GET_API, &a))
			TH_LOG("flags bit %u", bit);
	}
}

TEST_F_TIMEOUT(api, null_pointer_is_efault, OSM_TIMEOUT)
{
	EXPECT_EQ(EFAULT, ioctl_err(self->fd, OSM_IOC_GET_API, NULL));
}

TEST_F_TIMEOUT(api, bad_pointer_is_efault, OSM_TIMEOUT)
{
	EXPECT_EQ(EFAULT, ioctl_err(self->fd, OSM_IOC_GET_API, (void *)1));
}

TEST_F_TIMEOUT(api, unknown_command_is_enotty, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };

	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOWR(OSM_IOC_MAGIC, 0x7f, struct osm_api),
				    &a));
}

TEST_F_TIMEOUT(api, other_magic_is_enotty, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };

	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOWR(OSM_IOC_MAGIC + 1, 0, struct osm_api),
				    &a));
	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOWR(OSM_IOC_MAGIC - 1, 0, struct osm_api),
				    &a));
}

TEST_F_TIMEOUT(api, wrong_direction_is_enotty, OSM_TIMEOUT)
{
	struct osm_api a = { .size = sizeof(a) };

	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOR(OSM_IOC_MAGIC, 0, struct osm_api), &a))
		TH_LOG("_IOR");
	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOW(OSM_IOC_MAGIC, 0, struct osm_api), &a))
		TH_LOG("_IOW");
	EXPECT_EQ(ENOTTY, ioctl_err(self->fd, _IO(OSM_IOC_MAGIC, 0), &a))
		TH_LOG("_IO");
}

TEST_F_TIMEOUT(api, read_into_bad_pointer_is_efault, OSM_TIMEOUT)
{
	void *volatile bad = (void *)1;	/* opaque to the compiler */
	ssize_t n = read(self->fd, bad, 4096);

	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
}

/* Read-only device: no write(2), whatever the open mode root manages. */
TEST_F_TIMEOUT(api, write_fails, OSM_TIMEOUT)
{
	int fd;

	errno = 0;
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_TRUE(errno == EBADF || errno == EINVAL) TH_LOG("%m");

	fd = open(osm_test_device(), O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Refusing a write open is as good as refusing the write. */
		EXPECT_TRUE(errno == EACCES || errno == EPERM ||
			    errno == EINVAL) TH_LOG("open O_WRONLY: %m");
		return;
	}
	errno = 0;
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_TRUE(errno == EBADF || errno == EINVAL) TH_LOG("%m");
	close(fd);
}

/* Each open is one walk, read front to back: no positioned reads. */
TEST_F_TIMEOUT(api, pread_is_espipe, OSM_TIMEOUT)
{
	char buf[64];

	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ESPIPE, errno);
}

/* The graph is text to read, not memory to map. */
TEST_F_TIMEOUT(api, mmap_is_enodev, OSM_TIMEOUT)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

OSM_TEST_MAIN
