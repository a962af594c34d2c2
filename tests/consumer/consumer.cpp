// The headers from C++: every call links only if its header declares it
// extern "C".
#include <cstring>

#include <hleak/hleak.h>

int main()
{
    struct hl_snapshot a;
    struct hl_snapshot b;
    struct hl_diff d;
    struct hl_patterns p;
    int bad = 0;

    hl_patterns_init(&p);
    bad |= hl_patterns_add(&p, "Event:*") != 0;
    bad |= hl_snapshot_init(&a) != 0 || hl_snapshot_init(&b) != 0;
    bad |= hl_diff_compute(&a, &b, nullptr, &d) != 0;
    bad |= d.total_opened != 0;
    bad |= std::strcmp(hl_version(), HL_VERSION) != 0;
    bad |= std::strcmp(hl_err_name(HL_ENOMEM), "ENOMEM") != 0;
    hl_diff_release(&d);
    hl_snapshot_release(&a);
    hl_snapshot_release(&b);
    hl_patterns_release(&p);
    return bad;
}
