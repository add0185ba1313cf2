/* Fuzz target: label_validate (feedback/label.c). Input: a packed
 * ringside.v1.Label, checked against a window of a single-label group and
 * of a multi-label one. Checks: a refusal says why in a NUL-terminated
 * reason; an accepted label has a good id, this window's id, known classes
 * and events inside the window. */
#include <string.h>

#include "feedback/label.h"
#include "fuzz_common.h"

#define WIN_START 1000000000LL
#define WIN_END 2000000000LL

static struct rs_source_conf src[3];
static struct rs_source_conf *srcp[3];
static char *classes[] = {"none", "square", "circle", NULL};
static struct rs_group_conf group[2];
static rs_window *win[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[3] = {"cam", "mic", "imu"};
	static const enum rs_kind kinds[3] = {RS_KIND_VIDEO, RS_KIND_AUDIO, RS_KIND_SENSOR};

	fuzz_quiet_logs();
	for (guint i = 0; i < 3; i++) {
		src[i].name = (char *)names[i];
		src[i].kind = kinds[i];
		srcp[i] = &src[i];
	}
	for (guint g = 0; g < 2; g++) {
		group[g].name = "g";
		group[g].sources = srcp;
		group[g].n_sources = 3;
		group[g].classes = classes;
		group[g].n_classes = 3;
		group[g].multi_label = g == 1;

		win[g] = g_new0(rs_window, 1);
		win[g]->ref = 1;
		win[g]->id = g_strdup_printf("g:%lld", WIN_START);
		win[g]->group = &group[g];
		win[g]->start_ns = WIN_START;
		win[g]->end_ns = WIN_END;
		win[g]->reason = RS_REASON_PERIODIC;
		win[g]->n_sources = 3;
		win[g]->sources = g_new0(struct rs_window_source, 3);
		for (guint i = 0; i < 3; i++) {
			win[g]->sources[i].conf = &src[i];
			win[g]->sources[i].samples =
			        g_ptr_array_new_with_free_func((GDestroyNotify)rs_sample_unref);
			win[g]->sources[i].complete = TRUE;
		}
		win[g]->complete = TRUE;
	}
	return 0;
}

static gboolean known_class(const char *name)
{
	return g_strv_contains((const char *const *)classes, name);
}

/* What an accepted label must satisfy, whatever label_validate looked at. */
static void check_accepted(const Ringside__V1__Label *l, const rs_window *w)
{
	gsize id_len = strlen(l->label_id);

	FUZZ_CHECK(id_len >= 1 && id_len <= LABEL_ID_MAX);
	for (gsize i = 0; i < id_len; i++)
		FUZZ_CHECK(l->label_id[i] > ' ' && l->label_id[i] <= '~');
	FUZZ_CHECK(!strcmp(l->window_id, w->id));
	FUZZ_CHECK(l->n_classes + l->n_events >= 1);
	FUZZ_CHECK(l->n_classes <= 1 || w->group->multi_label);
	for (gsize i = 0; i < l->n_classes; i++)
		FUZZ_CHECK(known_class(l->classes[i]));
	for (gsize i = 0; i < l->n_events; i++) {
		const Ringside__V1__TimedEvent *e = l->events[i];

		FUZZ_CHECK(e->start_ns >= w->start_ns && e->start_ns < e->end_ns &&
		           e->end_ns <= w->end_ns);
		FUZZ_CHECK(known_class(e->class_));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ringside__V1__Label *l = ringside__v1__label__unpack(NULL, size, data);

	if (!l)
		return 0;
	for (guint g = 0; g < 2; g++) {
		char reason[256];

		memset(reason, 'x', sizeof(reason));
		if (label_validate(l, win[g], reason, sizeof(reason)))
			check_accepted(l, win[g]);
		else
			FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) != NULL && reason[0]);
	}
	ringside__v1__label__free_unpacked(l, NULL);
	return 0;
}
