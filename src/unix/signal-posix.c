#define _POSIX_C_SOURCE 200809L

#include "core-int.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int hl__interrupt_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a sleep cut short by Ctrl+C lets the loop stop now;
     * SIGHUP is the terminal closing */
    if (sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGHUP, &sa, NULL) != 0)
        return HL_EINVAL;
    /* A reader that went away (`hleak watch | head`) must fail the write
     * with EPIPE, which is reported and ends the watch with its files
     * written, rather than kill hleak before it wrote them. */
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return HL_EINVAL;
    return 0;
}

int hl__interrupted(void)
{
    return interrupted != 0;
}
