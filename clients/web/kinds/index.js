// Every label editor the page knows, one module per kind (editors.js says
// what an editor is). The task's template picks which are shown.
import { ClassesEditor } from './classes.js';
import { EventsEditor } from './events.js';
import { SensorSegmentsEditor } from './sensor_segments.js';
import { CaptionsEditor } from './captions.js';
import { InstructionsEditor } from './instructions.js';
import { TracksEditor } from './tracks.js';
import { TranscriptEditor } from './transcript.js';
import { EntitiesEditor } from './entities.js';

export const EDITORS = [ClassesEditor, EventsEditor, SensorSegmentsEditor, CaptionsEditor,
  InstructionsEditor, TracksEditor, TranscriptEditor, EntitiesEditor];
