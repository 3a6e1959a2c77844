/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the virtio 1.x specification ("Virtual I/O Device (VIRTIO) Version
 * 1.2", OASIS, "spec" below) defines and this driver uses: device status
 * bits, feature bits, the PCI transport's structures, split virtqueues and
 * the network device's header, configuration and control commands. All
 * fields are little-endian (spec 1.4); this driver builds for
 * little-endian hosts only.
 */
#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

#include <assert.h>
#include <endian.h>
#include <stddef.h>
#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "net_virtio maps virtio's little-endian structures directly: big-endian hosts are not supported"
#endif

/* ---- 2.1 Device Status Field --------------------------------------------- */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* ---- 6 Reserved Feature Bits, 5.1.3 Network Device Feature Bits ---------- */
#define VIRTIO_NET_F_CSUM            0
#define VIRTIO_NET_F_GUEST_CSUM      1
#define VIRTIO_NET_F_MTU             3
#define VIRTIO_NET_F_MAC             5
#define VIRTIO_NET_F_MRG_RXBUF       15
#define VIRTIO_NET_F_STATUS          16
#define VIRTIO_NET_F_CTRL_VQ         17
#define VIRTIO_NET_F_CTRL_RX         18
#define VIRTIO_NET_F_MQ              22
#define VIRTIO_NET_F_CTRL_MAC_ADDR   23
#define VIRTIO_F_RING_INDIRECT_DESC  28
#define VIRTIO_F_RING_EVENT_IDX      29
#define VIRTIO_F_VERSION_1           32
#define VIRTIO_F_ACCESS_PLATFORM     33
#define VIRTIO_F_RING_PACKED         34
#define VIRTIO_F_IN_ORDER            35
#define VIRTIO_F_NOTIFICATION_DATA   38

#define VIRTIO_BIT(b) (1ull << (b))

/* ---- 4.1.4 Virtio Structure PCI Capabilities ----------------------------- */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* struct virtio_pci_cap, read from config space at a PCI_CAP_ID_VNDR offset. */
struct virtio_pci_cap {
	uint8_t cap_vndr;  /* PCI_CAP_ID_VNDR */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;  /* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;   /* in the BAR */
	uint32_t length;
};
static_assert(sizeof(struct virtio_pci_cap) == 16, "spec 4.1.4: virtio_pci_cap is 16 bytes");
/* 4.1.4.4: struct virtio_pci_notify_cap appends notify_off_multiplier. */
#define VIRTIO_PCI_NOTIFY_CAP_MULT_OFF 16

/* 4.1.4.3 Common configuration structure layout (offsets in the structure). */
#define VIRTIO_PCI_COMMON_DFSELECT      0   /* le32 device_feature_select */
#define VIRTIO_PCI_COMMON_DF            4   /* le32 device_feature */
#define VIRTIO_PCI_COMMON_GFSELECT      8   /* le32 driver_feature_select */
#define VIRTIO_PCI_COMMON_GF            12  /* le32 driver_feature */
#define VIRTIO_PCI_COMMON_MSIX          16  /* le16 config_msix_vector */
#define VIRTIO_PCI_COMMON_NUMQ          18  /* le16 num_queues */
#define VIRTIO_PCI_COMMON_STATUS        20  /* u8 device_status */
#define VIRTIO_PCI_COMMON_CFGGENERATION 21  /* u8 config_generation */
#define VIRTIO_PCI_COMMON_Q_SELECT      22  /* le16 queue_select */
#define VIRTIO_PCI_COMMON_Q_SIZE        24  /* le16 queue_size */
#define VIRTIO_PCI_COMMON_Q_MSIX        26  /* le16 queue_msix_vector */
#define VIRTIO_PCI_COMMON_Q_ENABLE      28  /* le16 queue_enable */
#define VIRTIO_PCI_COMMON_Q_NOFF        30  /* le16 queue_notify_off */
#define VIRTIO_PCI_COMMON_Q_DESCLO      32  /* le64 queue_desc */
#define VIRTIO_PCI_COMMON_Q_DESCHI      36
#define VIRTIO_PCI_COMMON_Q_AVAILLO     40  /* le64 queue_driver */
#define VIRTIO_PCI_COMMON_Q_AVAILHI     44
#define VIRTIO_PCI_COMMON_Q_USEDLO      48  /* le64 queue_device */
#define VIRTIO_PCI_COMMON_Q_USEDHI      52
#define VIRTIO_PCI_COMMON_CFG_MIN_LEN   56  /* the virtio 1.0 structure */
#define VIRTIO_MSI_NO_VECTOR            0xffffu

/* ---- 2.7 Split Virtqueues ------------------------------------------------ */
#define VIRTQ_MAX_SIZE 32768u            /* 2.7: Queue Size up to 32768 */

#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u
#define VIRTQ_DESC_F_INDIRECT 4u

/* 2.7.5 The Virtqueue Descriptor Table */
struct virtq_desc {
	uint64_t addr;   /* IOVA */
	uint32_t len;
	uint16_t flags;  /* VIRTQ_DESC_F_* */
	uint16_t next;
};
static_assert(sizeof(struct virtq_desc) == 16, "spec 2.7.5: a descriptor is 16 bytes");

/* 2.7.6 The Virtqueue Available Ring; used_event follows ring[size]. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
static_assert(sizeof(struct virtq_avail) == 4 && offsetof(struct virtq_avail, ring) == 4,
	      "spec 2.7.6: avail ring header is flags, idx");

/* 2.7.8 The Virtqueue Used Ring; avail_event follows ring[size]. */
#define VIRTQ_USED_F_NO_NOTIFY 1u
struct virtq_used_elem {
	uint32_t id;     /* head of the descriptor chain */
	uint32_t len;    /* bytes written into the chain */
};
static_assert(sizeof(struct virtq_used_elem) == 8, "spec 2.7.8: used element is 8 bytes");
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};
static_assert(sizeof(struct virtq_used) == 4 && offsetof(struct virtq_used, ring) == 4,
	      "spec 2.7.8: used ring header is flags, idx");

/* 2.7 Table "Virtqueue Part Alignment". */
#define VIRTQ_DESC_ALIGN  16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN  4u

/* ---- 5.1 Network Device -------------------------------------------------- */
/* 5.1.4 Device configuration layout (offsets). */
#define VIRTIO_NET_CFG_MAC       0   /* u8 mac[6] */
#define VIRTIO_NET_CFG_STATUS    6   /* le16 status */
#define VIRTIO_NET_CFG_MAX_PAIRS 8   /* le16 max_virtqueue_pairs */
#define VIRTIO_NET_CFG_MTU       10  /* le16 mtu */
#define VIRTIO_NET_S_LINK_UP     1u

/* 5.1.6 Device Operation: the header in front of every packet. With
 * VIRTIO_F_VERSION_1, num_buffers is always present (12 bytes). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
static_assert(sizeof(struct virtio_net_hdr) == 12, "spec 5.1.6: virtio_net_hdr is 12 bytes");
/* virtio_net_hdr.flags (5.1.6). NEEDS_CSUM: the L4 checksum is partial:
 * the field at csum_start + csum_offset holds the pseudo-header sum and the
 * one's complement sum of the bytes from csum_start to the end completes it
 * (5.1.6.2 on transmit, 5.1.6.4 on receive with VIRTIO_NET_F_GUEST_CSUM).
 * DATA_VALID (receive only): the device validated the checksum (5.1.6.4). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_GSO_NONE     0u

/* 5.1.2 Virtqueues: receiveqN = 2(N-1), transmitqN = 2(N-1)+1, controlq
 * = 2 * max_virtqueue_pairs (or 2 without VIRTIO_NET_F_MQ). */
#define VIRTIO_NET_RXQ(pair) ((uint16_t)(2u * (pair)))
#define VIRTIO_NET_TXQ(pair) ((uint16_t)(2u * (pair) + 1u))

/* 5.1.6.5 Control Virtqueue */
#define VIRTIO_NET_OK  0
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_RX               0
#define VIRTIO_NET_CTRL_RX_PROMISC       0
#define VIRTIO_NET_CTRL_MAC              1
#define VIRTIO_NET_CTRL_MAC_ADDR_SET     1
#define VIRTIO_NET_CTRL_MQ               4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET  0
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN  1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX  0x8000

#endif /* VIRTIO_SPEC_H */
