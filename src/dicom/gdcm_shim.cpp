// gdcm_shim.cpp — JPEG 2000 decoding through GDCM (DCMTK 3.6.7 has no JPEG 2000 codec), built as
// the module libsps_j2k.so that j2k_loader.c loads on first use (j2k_module.h says why). The only
// file that includes GDCM; extern "C" noexcept, every C++ exception turned into a return value.
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmPixelFormat.h>
#include <gdcmTrace.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

#include "j2k_module.h"

namespace {

std::mutex g_gdcm_mutex; // GDCM's codec state is not documented as thread-safe: one decode at a time

int fail(char *msg, size_t n, int code, const char *text)
{
    if (n)
        std::snprintf(msg, n, "%s", text);
    return code;
}

int decode(const char *path, sps_j2k_image *out, char *msg, size_t n)
{
    std::lock_guard<std::mutex> lock(g_gdcm_mutex);
    // Library code never prints: GDCM writes warnings to std::cerr unless told not to.
    gdcm::Trace::SetDebug(false);
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    gdcm::ImageReader reader;
    reader.SetFileName(path);
    if (!reader.Read())
        return fail(msg, n, SPS_J2K_EFORMAT, "GDCM cannot read the file (JPEG 2000 path)");
    const gdcm::Image &img = reader.GetImage();
    const unsigned int *dim = img.GetDimensions();
    const gdcm::PixelFormat &pf = img.GetPixelFormat();
    out->cols = dim[0];
    out->rows = dim[1];
    out->frames = img.GetNumberOfDimensions() > 2 ? dim[2] : 1;
    out->samples_per_pixel = pf.GetSamplesPerPixel();
    out->bits_allocated = pf.GetBitsAllocated();
    out->len = img.GetBufferLength();
    out->data = static_cast<char *>(std::malloc(out->len ? out->len : 1));
    if (!out->data)
        return fail(msg, n, SPS_J2K_ENOMEM, "out of memory");
    if (!img.GetBuffer(out->data)) {
        std::free(out->data);
        out->data = nullptr;
        return fail(msg, n, SPS_J2K_EFORMAT, "JPEG 2000 code stream could not be decoded (Pixel Data (7FE0,0010))");
    }
    return SPS_J2K_OK;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int sps_j2k_decode_file(const char *path, sps_j2k_image *out,
                                                                           char *msg, size_t msg_size) noexcept
{
    std::memset(out, 0, sizeof *out);
    int rc;
    try {
        rc = decode(path, out, msg, msg_size);
    } catch (const std::bad_alloc &) {
        rc = fail(msg, msg_size, SPS_J2K_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        char buf[400];
        std::snprintf(buf, sizeof buf, "C++ exception: %s", e.what());
        rc = fail(msg, msg_size, SPS_J2K_EINTERNAL, buf);
    } catch (...) {
        rc = fail(msg, msg_size, SPS_J2K_EINTERNAL, "unknown C++ exception");
    }
    if (rc != SPS_J2K_OK && out->data) {
        std::free(out->data);
        out->data = nullptr;
    }
    return rc;
}

extern "C" __attribute__((visibility("default"))) void sps_j2k_free(void *data) noexcept
{
    std::free(data);
}
