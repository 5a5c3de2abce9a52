/* SPDX-License-Identifier: GPL-2.0-only */
/* QMP commands of the Xen guest ABI (xen/qmp.c, docs/xen.md). */
#ifndef XKVM_XEN_QMP_H
#define XKVM_XEN_QMP_H

#include "qmp/dispatch.h"

extern const struct qmp_module qmp_module_xen;

#endif
