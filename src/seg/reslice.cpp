/* reslice.cpp — one plane of a volume (sagittal, axial or oblique), linearly interpolated by ITK,
 * for the snapshots of src/render. The volume buffer is imported without copying. */
#include "spinescore/seg.h"

#include <cmath>
#include <limits>

#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include "seg_itk.h"

namespace {

using Image3 = sps_itk::FloatImage;

double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

} // namespace

extern "C" sps_status sps_seg_reslice_plane(float *out, const sps_volume *vol,
                                            const double centre_lps[3], const double u_lps[3],
                                            const double v_lps[3], double pixel_mm, size_t width,
                                            size_t height, sps_error *err)
{
    if (!out || !vol || !centre_lps || !u_lps || !v_lps)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_reslice_plane", "NULL argument");
    if (!(pixel_mm > 0.0) || !std::isfinite(pixel_mm))
        return sps_error_set(err, SPS_EINVALID, "pixel_mm", "expected a finite size > 0 mm, got %g",
                             pixel_mm);
    if (width == 0 || height == 0 || width > 16384 || height > 16384)
        return sps_error_set(err, SPS_EINVALID, "width/height",
                             "expected 1..16384 pixels per side, got %zu x %zu", width, height);
    for (int a = 0; a < 3; ++a)
        if (!std::isfinite(centre_lps[a]) || !std::isfinite(u_lps[a]) || !std::isfinite(v_lps[a]))
            return sps_error_set(err, SPS_EINVALID, "centre_lps/u_lps/v_lps", "non-finite coordinate");
    if (std::fabs(dot3(u_lps, u_lps) - 1.0) > 1e-3)
        return sps_error_set(err, SPS_EINVALID, "u_lps", "expected a unit vector (|u|^2 = %g)",
                             dot3(u_lps, u_lps));
    if (std::fabs(dot3(v_lps, v_lps) - 1.0) > 1e-3)
        return sps_error_set(err, SPS_EINVALID, "v_lps", "expected a unit vector (|v|^2 = %g)",
                             dot3(v_lps, v_lps));
    if (std::fabs(dot3(u_lps, v_lps)) > 1e-3)
        return sps_error_set(err, SPS_EINVALID, "u_lps/v_lps",
                             "expected orthogonal vectors (u.v = %g)", dot3(u_lps, v_lps));
    SPS_ITK_TRY {
        Image3::Pointer in = sps_itk::import_volume(vol); /* borrows the buffer, no copy */

        double w[3];
        w[0] = u_lps[1] * v_lps[2] - u_lps[2] * v_lps[1];
        w[1] = u_lps[2] * v_lps[0] - u_lps[0] * v_lps[2];
        w[2] = u_lps[0] * v_lps[1] - u_lps[1] * v_lps[0];
        Image3::DirectionType dir;
        double origin[3];
        const double hc = 0.5 * (double)(width - 1), hr = 0.5 * (double)(height - 1);
        for (unsigned r = 0; r < 3; ++r) {
            dir(r, 0) = u_lps[r];
            dir(r, 1) = v_lps[r];
            dir(r, 2) = w[r];
            origin[r] = centre_lps[r] - hc * pixel_mm * u_lps[r] - hr * pixel_mm * v_lps[r];
        }
        Image3::SizeType size;
        size[0] = width;
        size[1] = height;
        size[2] = 1;
        Image3::SpacingType spacing;
        spacing.Fill(pixel_mm);

        using Resampler = itk::ResampleImageFilter<Image3, Image3>;
        using Linear = itk::LinearInterpolateImageFunction<Image3, double>;
        Resampler::Pointer rs = Resampler::New();
        rs->SetInput(in);
        rs->SetInterpolator(Linear::New());
        rs->SetSize(size);
        rs->SetOutputOrigin(origin);
        rs->SetOutputSpacing(spacing);
        rs->SetOutputDirection(dir);
        rs->SetDefaultPixelValue(std::numeric_limits<float>::quiet_NaN());
        rs->Update();
        const float *res = rs->GetOutput()->GetBufferPointer();
        for (size_t i = 0; i < width * height; ++i)
            out[i] = res[i];
    }
    SPS_ITK_CATCH(err, "sps_seg_reslice_plane")
    return SPS_OK;
}
