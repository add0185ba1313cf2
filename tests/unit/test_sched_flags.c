/* Unit tests for feedback/sched.c: flags (ambiguous, skip), held
 * (prefetched) tasks and extensions, driven with fake ops and explicit
 * clocks (test_sched_fixture.h). */
#include "test_sched_fixture.h"

/* ---- flags -------------------------------------------------------------- */

/* Ambiguous: offered again to someone who has not had it, and those offers
 * do not count against max_attempts (2 here): after alice's flag, bob's
 * and carol's missed deadlines are the two counted attempts. */
static void test_ambiguous_reoffer(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_publish_started(fx->s, held(fx, alice, "g:0"), 5);
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1, .ambiguous = 1);
	/* alice gets the next window, never g:0 again */
	add(fx, 0, 10, 20);
	expect(fx, "offer alice g:10 #1 deadline=120");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 30);
	expect(fx, "offer bob g:0 #2 deadline=130");
	sched_tick(fx->s, 130);
	/* g:0 is nobody's now: alice flagged it, bob let it run out */
	expect(fx, "revoke bob g:0 deadline", "revoke alice g:10 deadline",
	       "offer bob g:10 #2 deadline=230");
	sched_complete(fx->s, held(fx, bob, "g:10"), 135);
	sched_reviewer_join(fx->s, "carol", "carol", 1, 140);
	expect(fx, "offer carol g:0 #3 deadline=240");
	sched_tick(fx->s, 240);
	expect(fx, "revoke carol g:0 deadline",
	       "expired g:0 deadline attempts=3 [alice bob carol]");
	expect_stats(fx, .reviewers = 3, .offered = 5, .reoffered = 3, .completed = 1,
	             .ambiguous = 1, .expired_deadline = 1);
}

/* With ambiguous_to = expert only experts are offered the flagged window;
 * others still get the rest. */
static void test_ambiguous_to_expert(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob, *carol;

	fx->groups[0].ambiguous_to = RS_AMBIGUOUS_TO_EXPERT;
	add(fx, 0, 0, 0);
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 5);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect_nothing(fx);
	assert_null(sched_find(fx->s, bob, "g:0"));
	add(fx, 0, 10, 20);
	expect(fx, "offer bob g:10 #1 deadline=120");
	carol = sched_reviewer_join_as(fx->s, "carol", RS_ROLE_EXPERT, "carol", 1, 30);
	expect(fx, "offer carol g:0 #2 deadline=130");
	assert_int_equal(sched_reviewer_role(carol), RS_ROLE_EXPERT);
	sched_complete(fx->s, held(fx, carol, "g:0"), 40);
	expect_stats(fx, .assigned = 1, .reviewers = 3, .offered = 3, .reoffered = 1,
	             .completed = 1, .ambiguous = 1);
}

/* After max_ambiguous flags the window leaves as "ambiguous", with
 * everyone who had it. */
static void test_ambiguous_max(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 0);

	fx->groups[0].max_attempts = 1; /* flags do not use attempts up */
	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer bob g:0 #2 deadline=110");
	sched_reviewer_join(fx->s, "carol", "carol", 1, 15);
	sched_ambiguous(fx->s, held(fx, bob, "g:0"), 20);
	expect(fx, "expired g:0 ambiguous attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 3, .offered = 2, .reoffered = 1, .ambiguous = 2,
	             .expired_ambiguous = 1);
}

/* Flagged ambiguous and nobody who may take it comes: after the queue
 * timeout it expires as "ambiguous". */
static void test_ambiguous_timeout(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);

	fx->groups[0].ambiguous_to = RS_AMBIGUOUS_TO_EXPERT;
	add(fx, 0, 0, 0);
	sched_ambiguous(fx->s, held(fx, alice, "g:0"), 10);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 20);
	sched_tick(fx->s, 10 + QUEUE_TIMEOUT);
	expect(fx, "offer alice g:0 #1 deadline=100", "expired g:0 ambiguous attempts=1 [alice]");
	expect_stats(fx, .reviewers = 2, .offered = 1, .ambiguous = 1, .expired_ambiguous = 1);
}

/* Skip: like a decline (an attempt is used, never back to the skipper);
 * the last attempt skipped expires as "declined". */
static void test_skip(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	sched_skipped(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_null(sched_find(fx->s, alice, "g:0"));
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 20);
	expect(fx, "offer bob g:0 #2 deadline=120");
	sched_skipped(fx->s, held(fx, bob, "g:0"), 30);
	expect(fx, "expired g:0 declined attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 2, .offered = 2, .reoffered = 1, .skipped = 2);
}

/* ---- held (prefetched) tasks --------------------------------------------- */

/* A held task has no deadline: ticks past any time leave it alone, and
 * the queue timeout does not apply; it starts with a full time box when
 * the current one ends (here: its deadline passes, then a decline). */
static void test_held_starts_when_current_ends(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 3, 0);

	fx->groups[0].max_attempts = 3;
	add(fx, 0, 0, 0);
	add(fx, 0, 10, 5);
	add(fx, 0, 20, 6);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held",
	       "offer alice g:20 #1 held");
	assert_false(held(fx, alice, "g:0")->held);
	assert_true(held(fx, alice, "g:10")->held);
	expect_stats(fx, .assigned = 3, .held = 2, .reviewers = 1, .offered = 3);
	sched_tick(fx->s, 99);
	expect_nothing(fx);
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline", "start alice g:10 deadline=200");
	assert_int_equal(held(fx, alice, "g:10")->assigned_ns, 100);
	sched_decline(fx->s, held(fx, alice, "g:10"), 150);
	expect(fx, "start alice g:20 deadline=250");
	/* held for longer than the queue timeout, never expired for it */
	fx->groups[0].time_box_ns = 5 * QUEUE_TIMEOUT;
	add(fx, 0, 30, 160);
	expect(fx, "offer alice g:30 #1 held");
	sched_complete(fx->s, held(fx, alice, "g:20"), 200);
	expect(fx, "start alice g:30 deadline=5200");
	add(fx, 0, 40, 210);
	sched_tick(fx->s, 210 + 2 * QUEUE_TIMEOUT);
	expect(fx, "offer alice g:40 #1 held", "expired g:10 deadline attempts=1 [alice]",
	       "expired g:0 deadline attempts=1 [alice]");
	assert_true(held(fx, alice, "g:40")->held);
}

/* The reviewer leaves: its current and held windows go to others at
 * once, in their order, without using attempts. */
static void test_held_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 1);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 2, 10);
	sched_reviewer_leave(fx->s, alice, 20);
	expect(fx, "offer bob g:0 #1 deadline=120", "offer bob g:10 #1 held");
	assert_int_equal(held(fx, bob, "g:10")->attempt, 1);
	expect_stats(fx, .assigned = 2, .held = 1, .reviewers = 1, .offered = 4);
}

/* A free reviewer is offered a window before a busy one would hold it. */
static void test_held_after_idle(void **state)
{
	struct fixture *fx = *state;

	sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	add(fx, 0, 0, 0);
	sched_reviewer_join(fx->s, "bob", "bob", 2, 0);
	add(fx, 0, 10, 1);
	add(fx, 0, 20, 2);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer bob g:10 #1 deadline=101",
	       "offer alice g:20 #1 held");
}

/* ---- extensions ---------------------------------------------------------- */

static void test_extend(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	struct sched_assignment *a;
	char why[200];

	fx->groups[0].extend_ns = 50;
	fx->groups[0].max_extensions = 1;
	add(fx, 0, 0, 0);
	add(fx, 0, 10, 0);
	expect(fx, "offer alice g:0 #1 deadline=100", "offer alice g:10 #1 held");
	a = held(fx, alice, "g:0");
	assert_int_equal(sched_extensions_left(a), 1);

	/* held: nothing to extend yet */
	assert_false(sched_extend(fx->s, held(fx, alice, "g:10"), 10, why, sizeof(why)));
	assert_string_equal(why, "window g:10 has not started: more time is for the current task");

	assert_true(sched_extend(fx->s, a, 10, why, sizeof(why)));
	assert_int_equal(a->deadline_ns, 150);
	assert_int_equal(a->extensions, 1);
	assert_int_equal(sched_extensions_left(a), 0);
	assert_false(sched_extend(fx->s, a, 20, why, sizeof(why)));
	assert_string_equal(why, "no extensions left (1 of 1 used)");
	sched_tick(fx->s, 100);
	expect_nothing(fx);
	sched_tick(fx->s, 150);
	expect(fx, "revoke alice g:0 deadline", "start alice g:10 deadline=250");
	/* a new task, a fresh allowance */
	a = held(fx, alice, "g:10");
	assert_int_equal(sched_extensions_left(a), 1);
	assert_false(sched_extend(fx->s, a, 250, why, sizeof(why)));
	assert_string_equal(why, "window g:10: its time is already up");

	/* a group without extend_seconds allows none */
	fx->groups[0].extend_ns = 0;
	assert_int_equal(sched_extensions_left(a), 0);
	assert_false(sched_extend(fx->s, a, 160, why, sizeof(why)));
	assert_string_equal(why, "group g does not allow more time (extend_seconds)");
	expect_stats(fx, .waiting = 1, .assigned = 1, .reviewers = 1, .offered = 2,
	             .extended = 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_ambiguous_reoffer),
	        T(test_ambiguous_to_expert),
	        T(test_ambiguous_max),
	        T(test_ambiguous_timeout),
	        T(test_skip),
	        T(test_held_starts_when_current_ends),
	        T(test_held_leave),
	        T(test_held_after_idle),
	        T(test_extend),
	};
#undef T

	return cmocka_run_group_tests_name("sched_flags", tests, NULL, NULL);
}
