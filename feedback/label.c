/* Label validation. */
#include "feedback/label.h"
