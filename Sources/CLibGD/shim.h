// libgd (Debian's libgd-dev): decodes PNG and JPEG, resamples, and encodes WebP and JPEG, for
// ScribeImages' thumbnails.
#include <gd.h>
