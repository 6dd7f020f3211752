#ifndef CHOSODEFLATE_SHIM_H
#define CHOSODEFLATE_SHIM_H
#include <libdeflate.h>
#endif
