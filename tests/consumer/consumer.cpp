// The headers from C++: every call links only if its header declares it
// extern "C".
#include <cstring>

#include <hleak/hleak.h>

int main()
{
    struct hl_snapshot *a = nullptr;
    struct hl_snapshot *b = nullptr;
    struct hl_diff *d = nullptr;
    struct hl_patterns *p = nullptr;
    struct hl_diff_opts o;
    int bad = 0;

    bad |= hl_patterns_new(&p) != 0;
    bad |= hl_patterns_add(p, "Event:*") != 0;
    bad |= hl_snapshot_new(&a) != 0 || hl_snapshot_new(&b) != 0;
    std::memset(&o, 0, sizeof(o));
    o.ignores = p;
    bad |= hl_diff_new(a, b, &o, &d) != 0;
    bad |= hl_diff_count(d, HL_DIFF_OPENED) != 0;
    bad |= hl_diff_ngroups(d, HL_DIFF_LIST_OPENED) != 0;
    bad |= hl_snapshot_count(a) != 0 || hl_snapshot_handle(a, 0) != nullptr;
    bad |= std::strcmp(hl_version(), HL_VERSION) != 0;
    bad |= std::strcmp(hl_err_name(HL_ENOMEM), "ENOMEM") != 0;
    hl_diff_free(d);
    hl_snapshot_free(a);
    hl_snapshot_free(b);
    hl_patterns_free(p);
    return bad;
}
