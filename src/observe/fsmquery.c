/*
 * fsmquery.c — what the state machine's answers are: state names, who
 * closed, who waited, when a TIME_WAIT ends (the report and the connection
 * table ask; fsm.c walks the states).
 */
#include "fsm.h"

static const char *const state_names[FSM_NSTATES] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT",
	"LAST_ACK",
};

const char *
fsm_state_name(int st)
{
	return st >= 0 && st < FSM_NSTATES ? state_names[st] : "?";
}

int64_t
fsm_tw_until(const struct fsm_side *x)
{
	return (x->tw_restart > x->k.tw_since ? x->tw_restart :
	    x->k.tw_since) + FSM_TIME_WAIT_US;
}

int
fsm_finished(const struct fsm *f)
{
	int c = f->side[FSM_CLIENT].k.state, s = f->side[FSM_SERVER].k.state;

	return (c == FSM_CLOSED || c == FSM_TIME_WAIT) &&
	    (s == FSM_CLOSED || s == FSM_TIME_WAIT || s == FSM_LISTEN);
}

int
fsm_closer(const struct fsm *f)
{
	return f->closer;
}

int
fsm_tw_side(const struct fsm *f)
{
	int c = f->side[FSM_CLIENT].k.tw_since >= 0;
	int s = f->side[FSM_SERVER].k.tw_since >= 0;

	if (c && s)
		return FSM_BOTH;
	return c ? FSM_WHO_CLIENT : s ? FSM_WHO_SERVER : FSM_NOBODY;
}
