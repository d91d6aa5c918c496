/* nifti_itk.cpp — NIfTI-1 export through ITK (itk::NiftiImageIO). The volume is imported without
 * copying (seg_itk.h); ITK converts our LPS geometry to NIfTI's RAS sform/qform. Written to a
 * temporary name in the same folder and renamed, so a reader never sees half a file. */
#include <itkImageFileWriter.h>
#include <itkNiftiImageIO.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "seg_itk.h"
#include "spinescore/seg.h"

namespace {

/* Write any image as NIfTI-1 to @p path atomically (mkstemps in the same folder, fsync, rename). */
template <typename TImage>
sps_status write_nifti_atomic(const TImage *img, const char *path, sps_error *err)
{
    const char *where = path;
    std::string tmpl = std::string(path) + ".XXXXXX.nii";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = mkstemps(name.data(), 4);
    if (fd < 0)
        return sps_error_set(err, SPS_EIO, where, "cannot create a temporary file next to it: %s",
                             std::strerror(errno));
    close(fd);
    try {
        using Writer = itk::ImageFileWriter<TImage>;
        typename Writer::Pointer w = Writer::New();
        itk::NiftiImageIO::Pointer io = itk::NiftiImageIO::New();
        w->SetImageIO(io);
        w->SetInput(img);
        w->SetFileName(name.data());
        w->SetUseCompression(false);
        w->Update();
    } catch (...) {
        unlink(name.data());
        throw; /* reported by the caller's guard */
    }
    fd = open(name.data(), O_RDONLY);
    /* nifticlib reports a short write (a full disk) only on stderr ("NWAD") and ITK does not
     * throw: check that the file holds vox_offset (header bytes 108..111) + every voxel. */
    unsigned long long want = (unsigned long long)img->GetLargestPossibleRegion().GetNumberOfPixels() *
                              sizeof(typename TImage::PixelType);
    float vox_offset = 0;
    struct stat st;
    if (fd >= 0 && (pread(fd, &vox_offset, sizeof vox_offset, 108) != (ssize_t)sizeof vox_offset ||
                    fstat(fd, &st) != 0 || !(vox_offset >= 348.0f) ||
                    (unsigned long long)st.st_size < (unsigned long long)vox_offset + want)) {
        close(fd);
        unlink(name.data());
        return sps_error_set(err, SPS_EIO, where,
                             "NIfTI file incomplete after writing (%llu voxel bytes expected; disk full?)", want);
    }
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(name.data());
        return sps_error_set(err, SPS_EIO, where, "cannot flush the written file: %s",
                             std::strerror(e));
    }
    close(fd);
    if (std::rename(name.data(), path) != 0) {
        int e = errno;
        unlink(name.data());
        return sps_error_set(err, SPS_EIO, where, "cannot rename the temporary file into place: %s",
                             std::strerror(e));
    }
    return SPS_OK;
}

sps_status check_nifti1_dims(const sps_geometry *g, const char *path, sps_error *err)
{
    for (int a = 0; a < 3; ++a)
        if (g->dims[a] > 32767)
            return sps_error_set(err, SPS_EUNSUPPORTED, path,
                                 "dimension %d is %zu voxels; NIfTI-1 holds at most 32767", a,
                                 g->dims[a]);
    return SPS_OK;
}

} // namespace

extern "C" sps_status sps_seg_write_nifti(const sps_volume *vol, const char *path, sps_error *err)
{
    if (!vol || !path || !*path)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_write_nifti", "volume and path are required");
    sps_status st = check_nifti1_dims(sps_volume_geometry(vol), path, err);
    if (st != SPS_OK)
        return st;
    SPS_ITK_TRY {
        sps_itk::FloatImage::Pointer img = sps_itk::import_volume(vol);
        return write_nifti_atomic(img.GetPointer(), path, err);
    }
    SPS_ITK_CATCH(err, path)
}

extern "C" sps_status sps_seg_write_nifti_mask(const unsigned char *mask, const sps_geometry *geom,
                                               const char *path, sps_error *err)
{
    if (!mask || !geom || !path || !*path)
        return sps_error_set(err, SPS_EINVALID, "sps_seg_write_nifti_mask",
                             "mask, geometry and path are required");
    sps_status st = sps_geometry_validate(geom, err);
    if (st != SPS_OK)
        return st;
    st = check_nifti1_dims(geom, path, err);
    if (st != SPS_OK)
        return st;
    SPS_ITK_TRY {
        sps_itk::MaskImage::Pointer img =
            sps_itk::import_buffer<unsigned char>(const_cast<unsigned char *>(mask), geom);
        return write_nifti_atomic(img.GetPointer(), path, err);
    }
    SPS_ITK_CATCH(err, path)
}
