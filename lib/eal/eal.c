/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include "eal_private.h"
