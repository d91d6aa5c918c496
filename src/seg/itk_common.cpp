/* itk_common.cpp — the parts of the ITK shim every path shares. */
#include "spinescore/seg.h"

#include <itkConfigure.h>

const char *sps_seg_itk_version(void)
{
    return ITK_VERSION_STRING;
}
