// gdcm_shim.cpp — JPEG 2000 decoding through GDCM (DCMTK 3.6.7 has no JPEG 2000 codec). The only
// file that includes GDCM; extern "C" noexcept with the same exception guard as dcmtk_shim.cpp.
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmPixelFormat.h>
#include <gdcmTrace.h>

#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

#include "dicom_internal.h"
#include "util_internal.h"

namespace {

std::mutex g_gdcm_mutex; // GDCM's codec state is not documented as thread-safe: one decode at a time

sps_status decode(const sps_dcm_decode_req *r, sps_error *err)
{
    std::lock_guard<std::mutex> lock(g_gdcm_mutex);
    // Library code never prints: GDCM writes warnings to std::cerr unless told not to.
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    gdcm::ImageReader reader;
    reader.SetFileName(r->path);
    if (!reader.Read())
        return sps_error_set(err, SPS_EFORMAT, r->path, "GDCM cannot read the file (JPEG 2000 path)");
    const gdcm::Image &img = reader.GetImage();
    const unsigned int *dim = img.GetDimensions();
    unsigned frames = img.GetNumberOfDimensions() > 2 ? dim[2] : 1;
    if (dim[0] != r->cols || dim[1] != r->rows || frames != r->nframes_file)
        return sps_error_set(err, SPS_EFORMAT, r->path,
                             "JPEG 2000 image is %ux%ux%u, the header says %ux%ux%zu", dim[0],
                             dim[1], frames, r->cols, r->rows, r->nframes_file);
    const gdcm::PixelFormat &pf = img.GetPixelFormat();
    if (pf.GetSamplesPerPixel() != 1 || pf.GetBitsAllocated() != r->bits_allocated)
        return sps_error_set(err, SPS_EUNSUPPORTED, r->path,
                             "JPEG 2000 decodes to %u sample(s) of %u bits, expected 1 of %u",
                             static_cast<unsigned>(pf.GetSamplesPerPixel()),
                             static_cast<unsigned>(pf.GetBitsAllocated()), r->bits_allocated);
    size_t len = img.GetBufferLength();
    const size_t bytes = r->bits_allocated / 8;
    const size_t frame_px = static_cast<size_t>(r->rows) * r->cols;
    if (len < frame_px * bytes * r->nframes_file)
        return sps_error_set(err, SPS_EFORMAT, r->path,
                             "JPEG 2000 decoded to %zu bytes, expected %zu", len,
                             frame_px * bytes * r->nframes_file);
    std::vector<char> buf(len);
    if (!img.GetBuffer(buf.data()))
        return sps_error_set(err, SPS_EFORMAT, r->path,
                             "JPEG 2000 code stream could not be decoded (Pixel Data (7FE0,0010))");
    for (size_t w = 0; w < r->nwant; w++)
        sps_dcm__convert(r->dst[w], buf.data() + frame_px * bytes * r->frame[w], frame_px,
                         r->bits_allocated, r->bits_stored, r->high_bit, r->pixel_rep, r->slope[w],
                         r->intercept[w]);
    return SPS_OK;
}

} // namespace

extern "C" sps_status sps_gdcm__decode(const sps_dcm_decode_req *req, sps_error *err) noexcept
{
    try {
        return decode(req, err);
    } catch (const std::bad_alloc &) {
        return sps_error_set(err, SPS_ENOMEM, req->path, "out of memory");
    } catch (const std::exception &e) {
        return sps_error_set(err, SPS_EINTERNAL, req->path, "C++ exception: %s", e.what());
    } catch (...) {
        return sps_error_set(err, SPS_EINTERNAL, req->path, "unknown C++ exception");
    }
}
