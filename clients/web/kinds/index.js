// Every label editor the page knows, one module per kind (editors.js says
// what an editor is). The task's template picks which are shown.
import { ClassesEditor } from './classes.js';

export const EDITORS = [ClassesEditor];
