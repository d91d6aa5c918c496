/* seg_itk.h — internal to src/seg (C++ only): zero-copy import of an sps_volume buffer into an
 * itk::Image, geometry conversion and the exception guard every extern "C" entry point uses.
 *
 * Geometry: ITK and DICOM share the LPS patient frame, so sps_geometry maps one to one:
 *   ITK origin    = origin_lps
 *   ITK spacing   = spacing_mm
 *   ITK direction = matrix whose COLUMN a is direction[a] (the LPS unit vector of index axis a).
 * Physical points from ITK (TransformIndexToPhysicalPoint) are therefore LPS mm, the same as
 * sps_geometry_index_to_lps.
 *
 * Usage in a shim:
 *   sps_status sps_seg_thing(const sps_volume *vol, ..., sps_error *err)
 *   {
 *       SPS_ITK_TRY {
 *           auto img = sps_itk::import_volume(vol);   // borrows vol's buffer, no copy
 *           ...
 *           return SPS_OK;
 *       } SPS_ITK_CATCH(err, "sps_seg_thing");
 *   }
 * The imported image must not outlive the sps_volume, and must not be written to through ITK
 * when the volume is const (the import is read-only by contract). */
#ifndef SPS_SEG_ITK_H
#define SPS_SEG_ITK_H

#ifndef __cplusplus
#error "seg_itk.h is for the C++ shims in src/seg only"
#endif

#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkMacro.h>

#include <cstddef>
#include <exception>
#include <new>
#include <string>

#include "spinescore/common.h"
#include "spinescore/volume.h"
#include "util_internal.h"

namespace sps_itk {

constexpr unsigned int Dim = 3;
using FloatImage = itk::Image<float, Dim>;
using MaskImage = itk::Image<unsigned char, Dim>;
using LabelImage = itk::Image<unsigned int, Dim>;

/** Copy an sps_geometry onto any ITK image (region, origin, spacing, direction). */
template <typename TImage>
inline void apply_geometry(TImage *img, const sps_geometry *g)
{
    typename TImage::RegionType region;
    typename TImage::SpacingType spacing;
    typename TImage::PointType origin;
    typename TImage::DirectionType dir;
    for (unsigned int a = 0; a < Dim; ++a) {
        region.SetIndex(a, 0);
        region.SetSize(a, static_cast<itk::SizeValueType>(g->dims[a]));
        spacing[a] = g->spacing_mm[a];
        origin[a] = g->origin_lps[a];
        for (unsigned int r = 0; r < Dim; ++r)
            dir(r, a) = g->direction[a][r]; /* column a = direction of index axis a */
    }
    img->SetRegions(region);
    img->SetSpacing(spacing);
    img->SetOrigin(origin);
    img->SetDirection(dir);
}

/** Read an ITK image's geometry back into an sps_geometry. */
template <typename TImage>
inline void read_geometry(sps_geometry *g, const TImage *img)
{
    const auto size = img->GetLargestPossibleRegion().GetSize();
    const auto &sp = img->GetSpacing();
    const auto &org = img->GetOrigin();
    const auto &dir = img->GetDirection();
    for (unsigned int a = 0; a < Dim; ++a) {
        g->dims[a] = static_cast<size_t>(size[a]);
        g->spacing_mm[a] = sp[a];
        g->origin_lps[a] = org[a];
        for (unsigned int r = 0; r < Dim; ++r)
            g->direction[a][r] = dir(r, a);
    }
}

/**
 * Wrap an existing buffer (i fastest, dims from @p g) as an itk::Image without copying; the
 * image does not own the buffer (ImportImageFilter with filterWillOwnTheBuffer = false).
 */
template <typename TPixel>
inline typename itk::Image<TPixel, Dim>::Pointer import_buffer(TPixel *buffer, const sps_geometry *g)
{
    using Importer = itk::ImportImageFilter<TPixel, Dim>;
    typename Importer::Pointer imp = Importer::New();
    typename Importer::SizeType size;
    typename Importer::IndexType start;
    typename Importer::SpacingType spacing;
    typename Importer::OriginType origin;
    typename Importer::DirectionType dir;
    for (unsigned int a = 0; a < Dim; ++a) {
        size[a] = static_cast<itk::SizeValueType>(g->dims[a]);
        start[a] = 0;
        spacing[a] = g->spacing_mm[a];
        origin[a] = g->origin_lps[a];
        for (unsigned int r = 0; r < Dim; ++r)
            dir(r, a) = g->direction[a][r];
    }
    typename Importer::RegionType region;
    region.SetIndex(start);
    region.SetSize(size);
    imp->SetRegion(region);
    imp->SetSpacing(spacing);
    imp->SetOrigin(origin);
    imp->SetDirection(dir);
    const itk::SizeValueType n =
        static_cast<itk::SizeValueType>(g->dims[0] * g->dims[1] * g->dims[2]);
    imp->SetImportPointer(buffer, n, false /* the sps_volume keeps ownership */);
    imp->Update();
    typename itk::Image<TPixel, Dim>::Pointer out = imp->GetOutput();
    out->DisconnectPipeline();
    return out;
}

/**
 * Zero-copy view of an sps_volume as a float image in LPS. Read-only by contract: the const is
 * cast away only because ITK's importer takes a mutable pointer; nothing writes through it.
 */
inline FloatImage::Pointer import_volume(const sps_volume *vol)
{
    return import_buffer<float>(const_cast<float *>(sps_volume_data_const(vol)),
                                sps_volume_geometry(vol));
}

/** Mutable zero-copy view (for filters that write into the volume's own buffer). */
inline FloatImage::Pointer import_volume_mutable(sps_volume *vol)
{
    return import_buffer<float>(sps_volume_data(vol), sps_volume_geometry(vol));
}

/** Allocate an owned image with the same geometry as @p g, filled with @p fill. */
template <typename TPixel>
inline typename itk::Image<TPixel, Dim>::Pointer new_image(const sps_geometry *g, TPixel fill)
{
    typename itk::Image<TPixel, Dim>::Pointer img = itk::Image<TPixel, Dim>::New();
    apply_geometry(img.GetPointer(), g);
    img->Allocate();
    img->FillBuffer(fill);
    return img;
}

/** LPS (mm) of a voxel index. */
template <typename TImage>
inline void index_to_lps(double lps[3], const TImage *img, const typename TImage::IndexType &idx)
{
    typename TImage::PointType p;
    img->TransformIndexToPhysicalPoint(idx, p);
    for (unsigned int a = 0; a < Dim; ++a)
        lps[a] = p[a];
}

/** Nearest voxel index of an LPS point; false when it lies outside the image. */
template <typename TImage>
inline bool lps_to_index(typename TImage::IndexType &idx, const TImage *img, const double lps[3])
{
    typename TImage::PointType p;
    for (unsigned int a = 0; a < Dim; ++a)
        p[a] = lps[a];
    return img->TransformPhysicalPointToIndex(p, idx);
}

/** Fill err from an ITK exception (description kept, location named). */
inline sps_status fail_itk(sps_error *err, const char *where, const itk::ExceptionObject &e)
{
    return sps_error_set(err, SPS_EINTERNAL, where, "ITK exception: %s", e.GetDescription());
}

} // namespace sps_itk

/* Exception guard for extern "C" entry points: nothing C++ escapes into C. */
#define SPS_ITK_TRY try
#define SPS_ITK_CATCH(err, where)                                                               \
    catch (const itk::ExceptionObject &sps_itk_e_) {                                            \
        return sps_itk::fail_itk((err), (where), sps_itk_e_);                                   \
    }                                                                                           \
    catch (const std::bad_alloc &) {                                                            \
        return sps_error_set((err), SPS_ENOMEM, (where), "out of memory in the ITK pipeline");  \
    }                                                                                           \
    catch (const std::exception &sps_itk_e_) {                                                  \
        return sps_error_set((err), SPS_EINTERNAL, (where), "C++ exception: %s",                \
                             sps_itk_e_.what());                                                \
    }                                                                                           \
    catch (...) {                                                                               \
        return sps_error_set((err), SPS_EINTERNAL, (where), "unknown C++ exception");           \
    }

#endif /* SPS_SEG_ITK_H */
