#include "audiohost.h"

static const SpicePlaybackInterface playback_if = {
    .base = { SPICE_INTERFACE_PLAYBACK, "playback", SPICE_INTERFACE_PLAYBACK_MAJOR, SPICE_INTERFACE_PLAYBACK_MINOR },
};
static const SpiceRecordInterface record_if = {
    .base = { SPICE_INTERFACE_RECORD, "record", SPICE_INTERFACE_RECORD_MAJOR, SPICE_INTERFACE_RECORD_MINOR },
};

void audiohost_add(SpiceServer *s, SpicePlaybackInstance *playback, SpiceRecordInstance *record)
{
    playback->base.sif = &playback_if.base;
    record->base.sif = &record_if.base;
    spice_server_add_interface(s, &playback->base);
    spice_server_set_playback_rate(playback, spice_server_get_best_playback_rate(playback));
    spice_server_add_interface(s, &record->base);
    spice_server_set_record_rate(record, spice_server_get_best_record_rate(record));
}
