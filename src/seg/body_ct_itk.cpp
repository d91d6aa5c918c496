/* body_ct_itk.cpp — the ITK operations of the CT semi-automatic paths (the only ITK translation
 * unit of body_ct*: each ITK .cpp costs seconds to compile). Buffers cross as std::vector; every
 * function catches its ITK exceptions (seg_itk.h) and returns an sps_status naming the step. */
#include <itkBinaryBallStructuringElement.h>
#include <itkBinaryMorphologicalOpeningImageFilter.h>
#include <itkConnectedComponentImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>
#include <itkSmoothingRecursiveGaussianImageFilter.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "body_ct_internal.h"
#include "seg_itk.h"

namespace sps_ct {

using sps_itk::FloatImage;
using sps_itk::MaskImage;
using Mask2D = itk::Image<unsigned char, 2>;
using Label2D = itk::Image<unsigned int, 2>;
using Label3D = itk::Image<unsigned int, 3>;

sps_status itk_resample(Grid &g, const sps_volume *ct, const double seed[3], const Params &p, long extra_s,
                        sps_error *err)
{
    SPS_ITK_TRY {
        FloatImage::Pointer img = sps_itk::import_volume(ct);
        g.s = p.spacing;
        for (int a = 0; a < 3; ++a) {
            g.n[a] = static_cast<size_t>(std::ceil(2.0 * p.roi_half[a] / g.s)) + 1;
            g.org[a] = seed[a] - 0.5 * static_cast<double>(g.n[a] - 1) * g.s;
        }
        g.n[2] += 2 * static_cast<size_t>(std::max(0L, extra_s));
        g.org[2] -= static_cast<double>(std::max(0L, extra_s)) * g.s;
        using Resampler = itk::ResampleImageFilter<FloatImage, FloatImage>;
        Resampler::Pointer rs = Resampler::New();
        rs->SetInput(img);
        rs->SetInterpolator(itk::LinearInterpolateImageFunction<FloatImage, double>::New());
        FloatImage::SizeType size;
        FloatImage::SpacingType sp;
        FloatImage::PointType org;
        FloatImage::DirectionType dir;
        dir.SetIdentity();
        for (unsigned a = 0; a < 3; ++a) {
            size[a] = g.n[a];
            sp[a] = g.s;
            org[a] = g.org[a];
        }
        rs->SetSize(size);
        rs->SetOutputSpacing(sp);
        rs->SetOutputOrigin(org);
        rs->SetOutputDirection(dir);
        rs->SetDefaultPixelValue(-1000.0f); /* outside the field of view: air */
        using Smoother = itk::SmoothingRecursiveGaussianImageFilter<FloatImage, FloatImage>;
        Smoother::Pointer sm = Smoother::New();
        sm->SetInput(rs->GetOutput());
        sm->SetSigma(p.sigma);
        sm->Update();
        FloatImage::Pointer raw = rs->GetOutput();
        const size_t total = g.total();
        g.raw.assign(raw->GetBufferPointer(), raw->GetBufferPointer() + total);
        g.sm.assign(sm->GetOutput()->GetBufferPointer(), sm->GetOutput()->GetBufferPointer() + total);
        g.se.clear();
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT resample/smooth (itk::ResampleImageFilter, SmoothingRecursiveGaussian)")
}

sps_status itk_edge_smooth(Grid &g, const long lo[3], const long hi[3], const Params &p, sps_error *err)
{
    SPS_ITK_TRY {
        g.se = g.sm;
        FloatImage::Pointer box = FloatImage::New();
        FloatImage::RegionType r;
        FloatImage::SizeType sz;
        size_t bn[3];
        for (unsigned a = 0; a < 3; ++a) {
            bn[a] = static_cast<size_t>(hi[a] - lo[a] + 1);
            sz[a] = bn[a];
        }
        r.SetSize(sz);
        box->SetRegions(r);
        FloatImage::SpacingType sp;
        sp.Fill(g.s);
        box->SetSpacing(sp);
        box->Allocate();
        float *b = box->GetBufferPointer();
        for (size_t z = 0; z < bn[2]; ++z)
            for (size_t y = 0; y < bn[1]; ++y) {
                const float *src = &g.raw[g.idx(static_cast<size_t>(lo[0]), y + static_cast<size_t>(lo[1]),
                                                z + static_cast<size_t>(lo[2]))];
                std::copy(src, src + bn[0], b + bn[0] * (y + bn[1] * z));
            }
        using Smoother = itk::SmoothingRecursiveGaussianImageFilter<FloatImage, FloatImage>;
        Smoother::Pointer se = Smoother::New();
        se->SetInput(box);
        se->SetSigma(p.edge_sigma);
        se->Update();
        const float *o = se->GetOutput()->GetBufferPointer();
        for (size_t z = 0; z < bn[2]; ++z)
            for (size_t y = 0; y < bn[1]; ++y) {
                const float *src = o + bn[0] * (y + bn[1] * z);
                std::copy(src, src + bn[0], &g.se[g.idx(static_cast<size_t>(lo[0]), y + static_cast<size_t>(lo[1]),
                                                        z + static_cast<size_t>(lo[2]))]);
            }
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT edge smoothing (itk::SmoothingRecursiveGaussianImageFilter)")
}

sps_status itk_open_label_2d(std::vector<unsigned> &labels, const std::vector<unsigned char> &mask, size_t nx,
                             size_t ny, double spacing, long radius, sps_error *err)
{
    SPS_ITK_TRY {
        Mask2D::Pointer in = Mask2D::New();
        Mask2D::RegionType r;
        Mask2D::SizeType sz;
        sz[0] = nx;
        sz[1] = ny;
        r.SetSize(sz);
        in->SetRegions(r);
        Mask2D::SpacingType sp;
        sp.Fill(spacing);
        in->SetSpacing(sp);
        in->Allocate();
        std::copy(mask.begin(), mask.begin() + static_cast<long>(nx * ny), in->GetBufferPointer());
        using SE2 = itk::BinaryBallStructuringElement<unsigned char, 2>;
        SE2 se;
        se.SetRadius(static_cast<itk::SizeValueType>(std::max(0L, radius)));
        se.CreateStructuringElement();
        using Open2 = itk::BinaryMorphologicalOpeningImageFilter<Mask2D, Mask2D, SE2>;
        Open2::Pointer op = Open2::New();
        op->SetInput(in);
        op->SetKernel(se);
        op->SetForegroundValue(1);
        op->SetBackgroundValue(0);
        using CC2 = itk::ConnectedComponentImageFilter<Mask2D, Label2D>;
        CC2::Pointer cc = CC2::New();
        cc->SetInput(op->GetOutput());
        cc->Update();
        const unsigned int *lab = cc->GetOutput()->GetBufferPointer();
        labels.assign(lab, lab + nx * ny);
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT body footprint (itk::BinaryMorphologicalOpening, ConnectedComponent)")
}

namespace {

MaskImage::Pointer mask_image(const std::vector<unsigned char> &m, const size_t n[3], double spacing)
{
    MaskImage::Pointer img = MaskImage::New();
    MaskImage::RegionType r;
    MaskImage::SizeType sz;
    for (unsigned a = 0; a < 3; ++a)
        sz[a] = n[a];
    r.SetSize(sz);
    img->SetRegions(r);
    MaskImage::SpacingType sp;
    sp.Fill(spacing);
    img->SetSpacing(sp);
    img->Allocate();
    std::copy(m.begin(), m.begin() + static_cast<long>(n[0] * n[1] * n[2]), img->GetBufferPointer());
    return img;
}

/* Squared distance, in voxels, from each voxel outside @p object to the nearest voxel of it
 * (itk::SignedMaurerDistanceMapImageFilter: exact Euclidean, linear time; the object's own voxels
 * get <= 0). An empty object gives +inf everywhere. */
void sq_distance(std::vector<float> &d, const std::vector<unsigned char> &object, const size_t n[3])
{
    const size_t total = n[0] * n[1] * n[2];
    if (std::none_of(object.begin(), object.begin() + static_cast<long>(total), [](unsigned char v) { return v != 0; })) {
        d.assign(total, std::numeric_limits<float>::infinity());
        return;
    }
    using Maurer = itk::SignedMaurerDistanceMapImageFilter<MaskImage, FloatImage>;
    Maurer::Pointer f = Maurer::New();
    f->SetInput(mask_image(object, n, 1.0));
    f->SetBackgroundValue(0);
    f->SetSquaredDistance(true);
    f->SetUseImageSpacing(false);
    f->SetInsideIsPositive(false);
    f->Update();
    const float *b = f->GetOutput()->GetBufferPointer();
    d.assign(b, b + total);
}

/* The ball of itk::BinaryBallStructuringElement with radius R voxels holds the offsets whose
 * centres lie within R + 0.5 of the centre: |d|^2 <= R^2 + R for integer offsets. */
double ball_sq(double radius_mm, double spacing)
{
    const double r = static_cast<double>(std::max(1L, std::lround(radius_mm / spacing)));
    return r * r + r;
}

void dilate_by(std::vector<unsigned char> &out, const std::vector<unsigned char> &in, const size_t n[3], double r2,
               std::vector<float> &d)
{
    sq_distance(d, in, n);
    const size_t total = n[0] * n[1] * n[2];
    out.resize(total);
    for (size_t i = 0; i < total; ++i)
        out[i] = in[i] || d[i] <= r2 ? 1 : 0;
}

/* erosion: outside the grid counts as foreground (as BinaryErodeImageFilter's default) */
void erode_by(std::vector<unsigned char> &out, const std::vector<unsigned char> &in, const size_t n[3], double r2,
              std::vector<float> &d, std::vector<unsigned char> &tmp)
{
    const size_t total = n[0] * n[1] * n[2];
    tmp.resize(total);
    for (size_t i = 0; i < total; ++i)
        tmp[i] = in[i] ? 0 : 1;
    sq_distance(d, tmp, n);
    out.resize(total);
    for (size_t i = 0; i < total; ++i)
        out[i] = in[i] && d[i] > r2 ? 1 : 0;
}

} // namespace

sps_status itk_morph_3d(std::vector<unsigned char> &out, const std::vector<unsigned char> &in, const size_t n[3],
                        double spacing, double radius_mm, Morph op, sps_error *err)
{
    SPS_ITK_TRY {
        const double r2 = ball_sq(radius_mm, spacing);
        std::vector<float> d;
        std::vector<unsigned char> tmp;
        switch (op) {
        case Morph::erode:
            erode_by(out, in, n, r2, d, tmp);
            break;
        case Morph::dilate:
            dilate_by(out, in, n, r2, d);
            break;
        case Morph::close: {
            std::vector<unsigned char> dil;
            dilate_by(dil, in, n, r2, d);
            erode_by(out, dil, n, r2, d, tmp);
            break;
        }
        }
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT lesion morphology (ball by itk::SignedMaurerDistanceMapImageFilter)")
}

sps_status itk_erode_3d(std::vector<unsigned char> *out[], const double radius_mm[], int count,
                        const std::vector<unsigned char> &in, const size_t n[3], double spacing, sps_error *err)
{
    SPS_ITK_TRY {
        const size_t total = n[0] * n[1] * n[2];
        std::vector<unsigned char> bg(total);
        for (size_t i = 0; i < total; ++i)
            bg[i] = in[i] ? 0 : 1;
        std::vector<float> d;
        sq_distance(d, bg, n);
        for (int k = 0; k < count; ++k) {
            const double r2 = ball_sq(radius_mm[k], spacing);
            out[k]->resize(total);
            for (size_t i = 0; i < total; ++i)
                (*out[k])[i] = in[i] && d[i] > r2 ? 1 : 0;
        }
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT body erosion (ball by itk::SignedMaurerDistanceMapImageFilter)")
}

sps_status itk_label_3d(std::vector<unsigned> &labels, const std::vector<unsigned char> &mask, const size_t n[3],
                        sps_error *err)
{
    SPS_ITK_TRY {
        MaskImage::Pointer img = mask_image(mask, n, 1.0);
        using CC3 = itk::ConnectedComponentImageFilter<MaskImage, Label3D>;
        CC3::Pointer cc = CC3::New();
        cc->SetInput(img);
        cc->SetFullyConnected(false);
        cc->Update();
        const unsigned int *lab = cc->GetOutput()->GetBufferPointer();
        labels.assign(lab, lab + n[0] * n[1] * n[2]);
        return SPS_OK;
    }
    SPS_ITK_CATCH(err, "CT lesion components (itk::ConnectedComponentImageFilter)")
}

} // namespace sps_ct
