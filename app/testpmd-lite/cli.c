/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interactive mode: commands read from stdin one line at a time, after a
 * "testpmd> " prompt, in DPDK testpmd's spelling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"

#define CLI_MAX_WORDS 8
#define CLI_LINE_MAX 512

static void cli_help(void)
{
	printf("Commands:\n"
	       "  start                      start forwarding\n"
	       "  start tx_first             send a burst on every stream, then forward\n"
	       "  stop                       stop forwarding and show forward statistics\n"
	       "  show port stats all|N      NIC statistics of every port or of port N\n"
	       "  show fwd stats all         forward statistics since the last start\n"
	       "  clear port stats all       reset the NIC statistics\n"
	       "  show config fwd            the streams and the lcores that run them\n"
	       "  set fwd MODE               choose the forwarding mode (when stopped)\n"
	       "  help                       this text\n"
	       "  quit                       stop and exit (also at end of input)\n");
}

static void show_port_stats(struct testpmd *tp, const char *which)
{
	char *end;
	unsigned long id;

	if (strcmp(which, "all") == 0) {
		stats_show_ports(tp);
		return;
	}
	id = strtoul(which, &end, 10);
	if (*which != '\0' && *end == '\0') {
		for (unsigned i = 0; i < tp->nb_ports; i++) {
			if (tp->ports[i].port_id == id) {
				stats_show_port(tp, i);
				return;
			}
		}
	}
	printf("Invalid port '%s': give 'all' or the id of a forwarding port "
	       "(see 'show config fwd')\n", which);
}

static void set_fwd(struct testpmd *tp, const char *mode)
{
	const struct fwd_engine *e = fwd_engine_find(mode);
	char modes[128];

	if (e == NULL) {
		fwd_engine_names(modes, sizeof(modes));
		printf("unknown forwarding mode '%s'; accepted: %s\n", mode, modes);
		return;
	}
	if (tp->forwarding) {
		printf("Please stop forwarding first\n");
		return;
	}
	tp->engine = e;
	printf("Set %s packet forwarding mode\n", e->name);
}

/* @return false for 'quit'. */
static bool cli_execute(struct testpmd *tp, char *line)
{
	char *words[CLI_MAX_WORDS], *save = NULL, *w;
	unsigned n = 0;

	for (w = strtok_r(line, " \t\r\n", &save); w != NULL && n < CLI_MAX_WORDS;
	     w = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = w;
	if (n == 0)
		return true;
#define IS(i, s) (n > (i) && strcmp(words[i], (s)) == 0)
	if (n == 1 && (IS(0, "quit") || IS(0, "exit")))
		return false;
	if (n == 1 && IS(0, "help"))
		cli_help();
	else if (n == 1 && IS(0, "start"))
		fwd_start(tp, false);
	else if (n == 2 && IS(0, "start") && IS(1, "tx_first"))
		fwd_start(tp, true);
	else if (n == 1 && IS(0, "stop"))
		fwd_stop(tp);
	else if (n == 4 && IS(0, "show") && IS(1, "port") && IS(2, "stats"))
		show_port_stats(tp, words[3]);
	else if (n == 4 && IS(0, "show") && IS(1, "fwd") && IS(2, "stats") && IS(3, "all"))
		stats_show_fwd(tp);
	else if (n == 4 && IS(0, "clear") && IS(1, "port") && IS(2, "stats") && IS(3, "all"))
		stats_clear_ports(tp);
	else if (n == 3 && IS(0, "show") && IS(1, "config") && IS(2, "fwd"))
		fwd_config_show(tp);
	else if (n == 3 && IS(0, "set") && IS(1, "fwd"))
		set_fwd(tp, words[2]);
	else
		printf("Bad command: '%s'. Type 'help' for the list.\n", words[0]);
#undef IS
	return true;
}

void cli_run(struct testpmd *tp)
{
	char line[CLI_LINE_MAX];

	if (tp->p.auto_start)
		fwd_start(tp, tp->p.tx_first);
	for (;;) {
		printf("testpmd> ");
		fflush(stdout);
		/* SIGINT/SIGTERM interrupt the read (no SA_RESTART). */
		if (fgets(line, sizeof(line), stdin) == NULL) {
			if (ferror(stdin) && errno == EINTR && !testpmd_quit_requested()) {
				clearerr(stdin);
				continue;
			}
			printf("\n");
			break;
		}
		if (strchr(line, '\n') == NULL && !feof(stdin)) {
			int c;

			while ((c = getchar()) != '\n' && c != EOF)
				;
			printf("Command too long (more than %d characters): ignored\n",
			       CLI_LINE_MAX - 2);
			continue;
		}
		/* No periodic watch here (the prompt waits for input): link
		 * changes show before the next command runs. */
		link_watch_poll(tp);
		if (!cli_execute(tp, line) || testpmd_quit_requested())
			break;
	}
	if (tp->forwarding)
		fwd_stop(tp);
}
