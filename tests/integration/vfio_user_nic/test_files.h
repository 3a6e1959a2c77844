/* SPDX-License-Identifier: BSD-3-Clause */
/* What the vfio-user-nic integration tests read back from their processes. */
#ifndef UPDK_TEST_FILES_H
#define UPDK_TEST_FILES_H

/** The whole of file @p path, NUL-terminated (caller frees); asserted. */
char *test_slurp(const char *path);

#endif
