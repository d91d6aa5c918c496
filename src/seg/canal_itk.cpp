/* canal_itk.cpp — the ITK side of the canal path: 2-D median, components, hole filling,
 * morphology, distance map and contour extraction on one slice. Inputs are imported without
 * copying; every exception is caught here and returned as an sps_status. */
#include "canal_internal.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <vector>

#include <itkBinaryBallStructuringElement.h>
#include <itkBinaryFillholeImageFilter.h>
#include <itkBinaryMorphologicalClosingImageFilter.h>
#include <itkBinaryMorphologicalOpeningImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkContourExtractor2DImageFilter.h>
#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkMedianImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include "util_internal.h"

namespace {

using FloatImage = itk::Image<float, 2>;
using MaskImage = itk::Image<uint8_t, 2>;
using LabelImage = itk::Image<int32_t, 2>;

/* Wrap a caller buffer as a 2-D ITK image without copying (the caller keeps ownership). */
template <typename TPixel>
typename itk::Image<TPixel, 2>::Pointer import2d(const TPixel *buf, size_t nx, size_t ny, double sx = 1.0,
                                                 double sy = 1.0)
{
    using Importer = itk::ImportImageFilter<TPixel, 2>;
    typename Importer::Pointer imp = Importer::New();
    typename Importer::SizeType size;
    size[0] = nx;
    size[1] = ny;
    typename Importer::IndexType start;
    start.Fill(0);
    typename Importer::RegionType region;
    region.SetIndex(start);
    region.SetSize(size);
    imp->SetRegion(region);
    double spacing[2] = {sx, sy};
    imp->SetSpacing(spacing);
    double origin[2] = {0.0, 0.0};
    imp->SetOrigin(origin);
    imp->SetImportPointer(const_cast<TPixel *>(buf), nx * ny, false);
    imp->Update();
    typename itk::Image<TPixel, 2>::Pointer img = imp->GetOutput();
    img->DisconnectPipeline();
    return img;
}

sps_status fail(sps_error *err, const char *what, const std::exception &e)
{
    if (dynamic_cast<const std::bad_alloc *>(&e))
        return sps_error_set(err, SPS_ENOMEM, what, "out of memory");
    return sps_error_set(err, SPS_EINTERNAL, what, "ITK: %s", e.what());
}

} // namespace

extern "C" sps_status sps__canal_median(const float *in, size_t nx, size_t ny, unsigned radius, float *out,
                                        sps_error *err)
{
    try {
        FloatImage::Pointer img = import2d<float>(in, nx, ny);
        using Filter = itk::MedianImageFilter<FloatImage, FloatImage>;
        Filter::Pointer f = Filter::New();
        f->SetInput(img);
        Filter::InputSizeType r;
        r.Fill(radius);
        f->SetRadius(r);
        f->Update();
        std::memcpy(out, f->GetOutput()->GetBufferPointer(), nx * ny * sizeof(float));
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, "canal: median filter", e);
    }
}

extern "C" sps_status sps__canal_label(const uint8_t *mask, size_t nx, size_t ny, int32_t *labels, int *nlabels,
                                       sps_error *err)
{
    try {
        MaskImage::Pointer img = import2d<uint8_t>(mask, nx, ny);
        using Filter = itk::ConnectedComponentImageFilter<MaskImage, LabelImage>;
        Filter::Pointer f = Filter::New();
        f->SetInput(img);
        f->SetFullyConnected(true);
        f->SetBackgroundValue(0);
        f->Update();
        std::memcpy(labels, f->GetOutput()->GetBufferPointer(), nx * ny * sizeof(int32_t));
        *nlabels = (int)f->GetObjectCount();
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, "canal: connected components", e);
    }
}

extern "C" sps_status sps__canal_fill_holes(uint8_t *mask, size_t nx, size_t ny, sps_error *err)
{
    try {
        MaskImage::Pointer img = import2d<uint8_t>(mask, nx, ny);
        using Filter = itk::BinaryFillholeImageFilter<MaskImage>;
        Filter::Pointer f = Filter::New();
        f->SetInput(img);
        f->SetForegroundValue(1);
        f->SetFullyConnected(false);
        f->Update();
        std::memcpy(mask, f->GetOutput()->GetBufferPointer(), nx * ny);
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, "canal: hole filling", e);
    }
}

extern "C" sps_status sps__canal_morph(uint8_t *mask, size_t nx, size_t ny, unsigned rx, unsigned ry, int close,
                                       sps_error *err)
{
    try {
        MaskImage::Pointer img = import2d<uint8_t>(mask, nx, ny);
        using Ball = itk::BinaryBallStructuringElement<uint8_t, 2>;
        Ball ball;
        Ball::SizeType r;
        r[0] = rx;
        r[1] = ry;
        ball.SetRadius(r);
        ball.CreateStructuringElement();
        MaskImage::Pointer res;
        if (close) {
            using Filter = itk::BinaryMorphologicalClosingImageFilter<MaskImage, MaskImage, Ball>;
            Filter::Pointer f = Filter::New();
            f->SetInput(img);
            f->SetKernel(ball);
            f->SetForegroundValue(1);
            f->SetSafeBorder(true);
            f->Update();
            res = f->GetOutput();
        } else {
            using Filter = itk::BinaryMorphologicalOpeningImageFilter<MaskImage, MaskImage, Ball>;
            Filter::Pointer f = Filter::New();
            f->SetInput(img);
            f->SetKernel(ball);
            f->SetForegroundValue(1);
            f->SetBackgroundValue(0);
            f->Update();
            res = f->GetOutput();
        }
        std::memcpy(mask, res->GetBufferPointer(), nx * ny);
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, close ? "canal: binary closing" : "canal: binary opening", e);
    }
}

extern "C" sps_status sps__canal_distance(const uint8_t *mask, size_t nx, size_t ny, double sx, double sy,
                                          float *dist, sps_error *err)
{
    size_t n = nx * ny, on = 0;
    for (size_t i = 0; i < n; i++)
        on += mask[i] != 0;
    if (on == 0) {
        for (size_t i = 0; i < n; i++)
            dist[i] = std::numeric_limits<float>::infinity();
        return SPS_OK;
    }
    try {
        MaskImage::Pointer img = import2d<uint8_t>(mask, nx, ny, sx, sy);
        using Filter = itk::SignedMaurerDistanceMapImageFilter<MaskImage, FloatImage>;
        Filter::Pointer f = Filter::New();
        f->SetInput(img);
        f->SetBackgroundValue(0);
        f->SetInsideIsPositive(false);
        f->SetSquaredDistance(false);
        f->SetUseImageSpacing(true);
        f->Update();
        const float *d = f->GetOutput()->GetBufferPointer();
        for (size_t i = 0; i < n; i++)
            dist[i] = mask[i] ? 0.0f : d[i];
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, "canal: distance map", e);
    }
}

extern "C" sps_status sps__canal_contour(const uint8_t *mask, size_t nx, size_t ny, double **xy, size_t *n,
                                         sps_error *err)
{
    *xy = nullptr;
    *n = 0;
    try {
        /* pad by one pixel so contours touching the border close */
        size_t px = nx + 2, py = ny + 2;
        std::vector<float> pad(px * py, 0.0f);
        for (size_t j = 0; j < ny; j++)
            for (size_t i = 0; i < nx; i++)
                pad[(j + 1) * px + i + 1] = mask[j * nx + i] ? 1.0f : 0.0f;
        FloatImage::Pointer img = import2d<float>(pad.data(), px, py);
        using Filter = itk::ContourExtractor2DImageFilter<FloatImage>;
        Filter::Pointer f = Filter::New();
        f->SetInput(img);
        f->SetContourValue(0.5);
        f->ReverseContourOrientationOff();
        f->VertexConnectHighPixelsOn();
        f->Update();
        size_t best = 0, best_len = 0;
        for (size_t o = 0; o < f->GetNumberOfIndexedOutputs(); o++) {
            size_t len = f->GetOutput(o)->GetVertexList()->Size();
            if (len > best_len) {
                best_len = len;
                best = o;
            }
        }
        if (best_len >= 3) {
            const auto *vl = f->GetOutput(best)->GetVertexList();
            /* the extractor repeats the first vertex at the end of a closed contour */
            size_t m = best_len;
            if (m > 3 && vl->ElementAt(0)[0] == vl->ElementAt(m - 1)[0] && vl->ElementAt(0)[1] == vl->ElementAt(m - 1)[1])
                m--;
            double *out = static_cast<double *>(std::malloc(2 * m * sizeof(double)));
            if (!out)
                return sps_error_set(err, SPS_ENOMEM, "canal: contour", "out of memory");
            for (size_t v = 0; v < m; v++) {
                out[2 * v] = vl->ElementAt(v)[0] - 1.0;
                out[2 * v + 1] = vl->ElementAt(v)[1] - 1.0;
            }
            *xy = out;
            *n = m;
        }
        return SPS_OK;
    } catch (const std::exception &e) {
        return fail(err, "canal: contour extraction", e);
    }
}
