#include "hleak/err.h"

static const char *const err_messages[] = {
#define HL__ERR_MSG(code, msg) msg,
    HL_ERR_MAP(HL__ERR_MSG)
#undef HL__ERR_MSG
};

static const char *const err_names[] = {
#define HL__ERR_NAME(code, msg) #code,
    HL_ERR_MAP(HL__ERR_NAME)
#undef HL__ERR_NAME
};

static int err_index(int err)
{
    if (err >= 0 || err <= HL__ERR_END)
        return -1;
    return -err - 1;
}

const char *hl_strerror(int err)
{
    int i = err_index(err);

    if (err == HL_OK)
        return "success";
    return i < 0 ? "unknown error" : err_messages[i];
}

const char *hl_err_name(int err)
{
    int i = err_index(err);

    if (err == HL_OK)
        return "OK";
    return i < 0 ? "UNKNOWN" : err_names[i];
}
