/* Unit tests for feedback/sched.c: offers, deadlines, reoffers, declines,
 * disconnects, the publishing pause, queue bounds and expiry records,
 * driven with fake ops and explicit clocks (test_sched_fixture.h; flags,
 * held tasks and extensions are in test_sched_flags.c). */
#include "test_sched_fixture.h"

/* ---- offering ----------------------------------------------------------- */

static void test_offer_at_once(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	assert_string_equal(sched_reviewer_id(alice), "alice");
	expect_nothing(fx);
	add(fx, 0, 0, 10);
	expect(fx, "offer alice g:0 #1 deadline=110");
	a = held(fx, alice, "g:0");
	assert_string_equal(a->window->id, "g:0");
	assert_ptr_equal(a->reviewer, alice);
	assert_int_equal(a->attempt, 1);
	assert_int_equal(a->assigned_ns, 10);
	assert_int_equal(a->deadline_ns, 110);
	assert_null(sched_find(fx->s, alice, "g:10"));
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 1);
}

static void test_queued_until_join(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice, *bob;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 5);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 2);

	/* oldest first */
	alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 50);
	expect(fx, "offer alice g:0 #1 deadline=150");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 60);
	expect(fx, "offer bob g:10 #1 deadline=160");
	held(fx, alice, "g:0");
	held(fx, bob, "g:10");
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 2);
}

/* A reviewer at capacity is offered nothing more; finishing one frees a
 * slot, and the next waiting window is offered at once. Only the first
 * runs against a deadline; the others are held behind it, and the oldest
 * held one starts when it ends. */
static void test_capacity(void **state)
{
	static const guint capacities[] = {1, 2, 3};
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(capacities); i++) {
		guint cap = capacities[i];
		sched *s = sched_new(&fx->cfg, G_MAXSIZE, &fake_ops, fx);
		sched *keep = fx->s;
		sched_reviewer *alice;
		char *line;

		fx->s = s;
		alice = sched_reviewer_join(s, "alice", "alice", cap, 0);
		for (guint k = 0; k < cap + 2; k++)
			add(fx, 0, k * 10, k);
		assert_int_equal(fx->log->len, cap);
		assert_string_equal(fx->log->pdata[0], "offer alice g:0 #1 deadline=100");
		for (guint k = 1; k < cap; k++) {
			char *id = g_strdup_printf("g:%u", k * 10);

			line = g_strdup_printf("offer alice %s #1 held", id);
			assert_string_equal(fx->log->pdata[k], line);
			assert_true(held(fx, alice, id)->held);
			g_free(line);
			g_free(id);
		}
		expect_stats(fx, .waiting = 2, .assigned = cap, .held = cap - 1, .reviewers = 1,
		             .offered = cap);
		g_ptr_array_set_size(fx->log, 0);

		sched_complete(s, held(fx, alice, "g:0"), 50);
		if (cap == 1) {
			expect(fx, "offer alice g:10 #1 deadline=150");
		} else {
			char *next = g_strdup_printf("offer alice g:%u #1 held", cap * 10);

			expect(fx, "start alice g:10 deadline=150", next);
			g_free(next);
		}
		expect_stats(fx, .waiting = 1, .assigned = cap, .held = cap - 1, .reviewers = 1,
		             .offered = cap + 1, .completed = 1);

		sched_free(s);
		g_ptr_array_set_size(fx->log, 0);
		fx->s = keep;
	}
}

/* Windows go to the least loaded reviewer with room, so equal reviewers
 * share the work evenly. */
static void test_spread(void **state)
{
	static const struct {
		guint reviewers, capacity, windows;
		guint per_reviewer[3]; /* sorted, fewest first */
	} cases[] = {
	        {2, 1, 2, {1, 1}},    {2, 2, 2, {1, 1}},    {2, 2, 3, {1, 2}},
	        {3, 2, 6, {2, 2, 2}}, {3, 3, 4, {1, 1, 2}}, {3, 1, 5, {1, 1, 1}},
	};
	static const char *const names[3] = {"alice", "bob", "carol"};
	struct fixture *fx = *state;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		sched *keep = fx->s;
		sched_reviewer *r[3];
		guint count[3] = {0};

		fx->s = sched_new(&fx->cfg, G_MAXSIZE, &fake_ops, fx);
		for (guint k = 0; k < cases[i].reviewers; k++)
			r[k] = sched_reviewer_join(fx->s, names[k], (char *)names[k],
			                           cases[i].capacity, 0);
		for (guint w = 0; w < cases[i].windows; w++) {
			char *id = g_strdup_printf("g:%u", w * 10);

			add(fx, 0, w * 10, w);
			for (guint k = 0; k < cases[i].reviewers; k++)
				count[k] += sched_find(fx->s, r[k], id) != NULL;
			g_free(id);
		}
		for (guint k = 0; k < cases[i].reviewers; k++) {
			for (guint j = k + 1; j < cases[i].reviewers; j++) {
				if (count[j] < count[k]) {
					guint t = count[j];
					count[j] = count[k];
					count[k] = t;
				}
			}
		}
		for (guint k = 0; k < cases[i].reviewers; k++) {
			if (count[k] != cases[i].per_reviewer[k])
				fail_msg("case %zu: reviewer %u of %u got %u windows, expected %u",
				         i, k, cases[i].reviewers, count[k],
				         cases[i].per_reviewer[k]);
		}
		sched_free(fx->s);
		g_ptr_array_set_size(fx->log, 0);
		fx->s = keep;
	}
}

/* ---- deadlines ---------------------------------------------------------- */

static void test_deadline_reoffers(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	expect_nothing(fx);
	sched_tick(fx->s, 99);
	expect_nothing(fx);
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #2 deadline=200");
	assert_null(sched_find(fx->s, alice, "g:0"));
	assert_int_equal(held(fx, bob, "g:0")->attempt, 2);
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1);
}

/* The reviewer who let the deadline pass is not offered it again; the
 * window waits for someone else, and other windows still reach them. */
static void test_deadline_not_same_reviewer(void **state)
{
	struct fixture *fx = *state;

	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_tick(fx->s, 100);
	expect(fx, "revoke alice g:0 deadline");
	sched_tick(fx->s, 150);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1);

	add(fx, 0, 10, 150);
	expect(fx, "offer alice g:10 #1 deadline=250");
	sched_reviewer_join(fx->s, "bob", "bob", 1, 160);
	expect(fx, "offer bob g:0 #2 deadline=260");
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 3, .reoffered = 1);
}

/* After max_attempts deadlines the window expires with everyone who had
 * it, in offer order. */
static void test_deadline_max_attempts(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "carol", "carol", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "offer carol g:0 #1 deadline=100");
	sched_reviewer_join(fx->s, "alice", "alice", 1, 10);
	sched_tick(fx->s, 100);
	expect(fx, "revoke carol g:0 deadline", "offer alice g:0 #2 deadline=200");
	sched_reviewer_join(fx->s, "bob", "bob", 1, 110);
	sched_tick(fx->s, 200);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #3 deadline=300");
	sched_tick(fx->s, 300);
	expect(fx, "revoke bob g:0 deadline", "expired g:0 deadline attempts=3 [carol alice bob]");
	sched_tick(fx->s, 5000);
	expect_nothing(fx);
	expect_stats(fx, .reviewers = 3, .offered = 3, .reoffered = 2, .expired_deadline = 1);
}

/* ---- reviewers leaving -------------------------------------------------- */

/* A dropped connection is not a refusal: the window moves on at once
 * without using an attempt. */
static void test_leave_reoffers(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	sched_reviewer_leave(fx->s, alice, 50);
	expect(fx, "offer bob g:0 #1 deadline=150");
	assert_int_equal(held(fx, bob, "g:0")->attempt, 1);
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

static void test_leave_and_rejoin(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice/1", 1, 0);

	add(fx, 0, 0, 0);
	expect(fx, "offer alice/1 g:0 #1 deadline=100");
	sched_reviewer_leave(fx->s, alice, 50);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .offered = 1);
	alice = sched_reviewer_join(fx->s, "alice", "alice/2", 1, 60);
	expect(fx, "offer alice/2 g:0 #1 deadline=160");
	assert_int_equal(held(fx, alice, "g:0")->attempt, 1);
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

/* Only the reviewer who dropped may have the window back: one who let its
 * deadline pass earlier still may not. */
static void test_leave_does_not_excuse_others(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *bob;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	sched_tick(fx->s, 100);
	expect(fx, "offer alice g:0 #1 deadline=100", "revoke alice g:0 deadline");
	bob = sched_reviewer_join(fx->s, "bob", "bob/1", 1, 110);
	expect(fx, "offer bob/1 g:0 #2 deadline=210");
	sched_reviewer_leave(fx->s, bob, 120);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 2, .reoffered = 1);
	sched_reviewer_join(fx->s, "bob", "bob/2", 1, 130);
	expect(fx, "offer bob/2 g:0 #2 deadline=230");
}

/* ---- publishing --------------------------------------------------------- */

/* While a label is on its way to Redis the deadline does not apply. */
static void test_publishing_suspends_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 0);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	add(fx, 0, 10, 20);
	expect(fx, "offer bob g:10 #1 deadline=120");
	add(fx, 0, 20, 30);
	sched_tick(fx->s, 100);
	sched_tick(fx->s, 500);
	expect(fx, "revoke bob g:10 deadline", "offer bob g:20 #1 deadline=600");
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);

	/* stored: done, and alice's slot takes the next window */
	sched_complete(fx->s, a, 510);
	expect(fx, "offer alice g:10 #2 deadline=610");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .assigned = 2, .reviewers = 2, .offered = 4, .completed = 1,
	             .reoffered = 1);
}

static void test_publish_failed_after_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 90);
	sched_reviewer_join(fx->s, "bob", "bob", 1, 10);
	sched_tick(fx->s, 150);
	expect(fx, "offer alice g:0 #1 deadline=100");
	/* Redis took 110: the deadline moves to 210, the reviewer keeps it. */
	sched_publish_failed(fx->s, a, 200);
	assert_int_equal(a->deadline_ns, 210);
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);
	sched_tick(fx->s, 210);
	expect(fx, "revoke alice g:0 deadline", "offer bob g:0 #2 deadline=310");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1);
}

static void test_publish_failed_before_deadline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_publish_failed(fx->s, a, 50);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_ptr_equal(sched_find(fx->s, alice, "g:0"), a);
	assert_false(a->publishing);
	assert_int_equal(a->deadline_ns, 110);
	sched_tick(fx->s, 109);
	sched_tick(fx->s, 110);
	expect(fx, "revoke alice g:0 deadline");
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1);
}

/* The reviewer left while the label was in flight: the window stays until
 * Redis answers; a failure puts it back in the queue (no attempt used). */
static void test_publish_failed_after_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice/1", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice/1 g:0 #1 deadline=100");
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_reviewer_leave(fx->s, alice, 50);
	sched_tick(fx->s, 500);
	expect_nothing(fx);
	expect_stats(fx, .assigned = 1, .offered = 1);
	sched_publish_failed(fx->s, a, 600);
	expect_nothing(fx);
	expect_stats(fx, .waiting = 1, .offered = 1);
	alice = sched_reviewer_join(fx->s, "alice", "alice/2", 1, 610);
	expect(fx, "offer alice/2 g:0 #1 deadline=710");
	expect_stats(fx, .assigned = 1, .reviewers = 1, .offered = 2);
}

static void test_complete_after_leave(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	struct sched_assignment *a;

	add(fx, 0, 0, 0);
	a = held(fx, alice, "g:0");
	sched_publish_started(fx->s, a, 40);
	sched_reviewer_leave(fx->s, alice, 50);
	sched_complete(fx->s, a, 60);
	expect(fx, "offer alice g:0 #1 deadline=100");
	sched_tick(fx->s, 5000);
	expect_nothing(fx);
	expect_stats(fx, .offered = 1, .completed = 1);
}

/* ---- declining ---------------------------------------------------------- */

static void test_decline(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	sched_reviewer *bob;

	add(fx, 0, 0, 0);
	expect(fx, "offer alice g:0 #1 deadline=100");
	bob = sched_reviewer_join(fx->s, "bob", "bob", 1, 5);
	sched_decline(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer bob g:0 #2 deadline=110");
	expect_stats(fx, .assigned = 1, .reviewers = 2, .offered = 2, .reoffered = 1,
	             .declined = 1);

	/* the last attempt declined: expired, though carol is free */
	sched_reviewer_join(fx->s, "carol", "carol", 1, 15);
	sched_decline(fx->s, held(fx, bob, "g:0"), 20);
	expect(fx, "expired g:0 declined attempts=2 [alice bob]");
	expect_stats(fx, .reviewers = 3, .offered = 2, .reoffered = 1, .declined = 2);
}

static void test_decline_not_back_to_decliner(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 1, 0);

	add(fx, 0, 0, 0);
	sched_decline(fx->s, held(fx, alice, "g:0"), 10);
	expect(fx, "offer alice g:0 #1 deadline=100");
	assert_null(sched_find(fx->s, alice, "g:0"));
	expect_stats(fx, .waiting = 1, .reviewers = 1, .offered = 1, .declined = 1);
}

/* ---- queue bounds ------------------------------------------------------- */

/* Past queue_max the group's oldest waiting window leaves; other groups'
 * windows do not count. */
static void test_queue_full(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].queue_max = 2;
	fx->groups[1].queue_max = 2;
	add(fx, 0, 0, 0);
	add(fx, 1, 0, 1);
	add(fx, 0, 10, 2);
	add(fx, 1, 10, 3);
	expect_nothing(fx);
	add(fx, 0, 20, 4);
	expect(fx, "expired g:0 queue_full attempts=0 []");
	add(fx, 0, 30, 5);
	expect(fx, "expired g:10 queue_full attempts=0 []");
	expect_stats(fx, .waiting = 4, .expired_queue_full = 2);

	/* the survivors are the newest, offered oldest first */
	sched_reviewer_join(fx->s, "alice", "alice", 4, 10);
	expect(fx, "offer alice h:0 #1 deadline=110", "offer alice h:10 #1 held",
	       "offer alice g:20 #1 held", "offer alice g:30 #1 held");
}

static void test_queue_timeout_unassigned(void **state)
{
	struct fixture *fx = *state;

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 500);
	sched_tick(fx->s, QUEUE_TIMEOUT - 1);
	expect_nothing(fx);
	sched_tick(fx->s, QUEUE_TIMEOUT);
	expect(fx, "expired g:0 unassigned attempts=0 []");
	sched_tick(fx->s, 500 + QUEUE_TIMEOUT);
	expect(fx, "expired g:10 unassigned attempts=0 []");
	expect_stats(fx, .expired_unassigned = 2);
}

/* A window that was offered and then waited too long for someone else
 * expires as "deadline". */
static void test_queue_timeout_after_offer(void **state)
{
	struct fixture *fx = *state;

	fx->groups[0].max_attempts = 3;
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	sched_tick(fx->s, 100);
	expect(fx, "offer alice g:0 #1 deadline=100", "revoke alice g:0 deadline");
	sched_tick(fx->s, 100 + QUEUE_TIMEOUT - 1);
	expect_nothing(fx);
	sched_tick(fx->s, 100 + QUEUE_TIMEOUT);
	expect(fx, "expired g:0 deadline attempts=1 [alice]");
	expect_stats(fx, .reviewers = 1, .offered = 1, .expired_deadline = 1);
}

/* A window bigger than a connection's send cap could never be delivered:
 * it is expired at once instead of being offered forever. */
static void test_too_large(void **state)
{
	struct fixture *fx = *state;
	sched *keep = fx->s;

	fx->s = sched_new(&fx->cfg, 64, &fake_ops, fx);
	sched_reviewer_join(fx->s, "alice", "alice", 1, 0);
	add(fx, 0, 0, 0);
	expect(fx, "expired g:0 too_large attempts=0 []");
	expect_nothing(fx);
	sched_free(fx->s);
	fx->s = keep;
}

/* ---- shutdown ----------------------------------------------------------- */

static int cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_free_expires_everything(void **state)
{
	struct fixture *fx = *state;
	sched_reviewer *alice = sched_reviewer_join(fx->s, "alice", "alice", 2, 0);
	GPtrArray *expired = g_ptr_array_new();

	add(fx, 0, 0, 0);
	add(fx, 0, 10, 1);
	sched_publish_started(fx->s, held(fx, alice, "g:0"), 1);
	add(fx, 1, 0, 2);
	add(fx, 0, 20, 3);
	sched_tick(fx->s, 100);
	g_ptr_array_set_size(fx->log, 0);
	sched_free(fx->s);
	fx->s = NULL;

	/* order not promised; revokes may come too */
	for (guint i = 0; i < fx->log->len; i++) {
		if (g_str_has_prefix(fx->log->pdata[i], "expired "))
			g_ptr_array_add(expired, fx->log->pdata[i]);
	}
	g_ptr_array_sort(expired, cmp_str);
	/* g:0's label is in flight: no expired record may contradict it;
	 * g:10 was held (no deadline yet), h:0 and g:20 waited. */
	assert_int_equal(expired->len, 3);
	assert_string_equal(expired->pdata[0], "expired g:10 shutdown attempts=1 [alice]");
	assert_string_equal(expired->pdata[1], "expired g:20 shutdown attempts=0 []");
	assert_string_equal(expired->pdata[2], "expired h:0 shutdown attempts=0 []");
	g_ptr_array_unref(expired);
}

static void test_free_waiting_only(void **state)
{
	struct fixture *fx = *state;

	add(fx, 0, 0, 0);
	sched_free(fx->s);
	fx->s = NULL;
	expect(fx, "expired g:0 shutdown attempts=0 []");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_offer_at_once),
	        T(test_queued_until_join),
	        T(test_capacity),
	        T(test_spread),
	        T(test_deadline_reoffers),
	        T(test_deadline_not_same_reviewer),
	        T(test_deadline_max_attempts),
	        T(test_leave_reoffers),
	        T(test_leave_and_rejoin),
	        T(test_leave_does_not_excuse_others),
	        T(test_publishing_suspends_deadline),
	        T(test_too_large),
	        T(test_publish_failed_after_deadline),
	        T(test_publish_failed_before_deadline),
	        T(test_publish_failed_after_leave),
	        T(test_complete_after_leave),
	        T(test_decline),
	        T(test_decline_not_back_to_decliner),
	        T(test_queue_full),
	        T(test_queue_timeout_unassigned),
	        T(test_queue_timeout_after_offer),
	        T(test_free_expires_everything),
	        T(test_free_waiting_only),
	};
#undef T

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
