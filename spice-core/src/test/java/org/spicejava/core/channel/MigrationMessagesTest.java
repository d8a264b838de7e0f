package org.spicejava.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.protocol.ChannelType;

/**
 * Migration messages a client sends when no seamless migration asked for them, answered as the reference does
 * (seen with Debian's library and a raw main channel): MIGRATE_DATA closes a channel that carries migration data and
 * is ignored by cursor and sound channels, an empty one closes any channel; an unexpected MIGRATE_FLUSH_MARK closes
 * the channel (the reference aborts QEMU: "unexpected flush mark").
 */
class MigrationMessagesTest {
    /** A channel of {@code type} that handles nothing of its own. */
    static ChannelFuzzing.Run run(int type, Msg... messages) {
        return ChannelFuzzing.run(ChannelFuzzing.seed(true, 64, messages), type, new int[0],
                (connection, link) -> new ChannelClient(connection, link, 4096) {
                    @Override
                    protected void onStart() {
                    }

                    @Override
                    protected boolean handle(int t, ByteBuffer body) {
                        return false;
                    }
                });
    }

    static final Msg DATA = Msg.of(ChannelClient.MSGC_MIGRATE_DATA, b -> b.putInt(0x444d4e4d).putInt(1));

    @Test
    void migrateDataUnaskedClosesTheChannelsThatCarryIt() {
        for (int type : new int[] {ChannelType.MAIN, ChannelType.DISPLAY, ChannelType.INPUTS, ChannelType.SMARTCARD,
                ChannelType.USBREDIR, ChannelType.PORT, ChannelType.WEBDAV}) {
            ChannelFuzzing.Run r = run(type, DATA);
            assertTrue(r.socket().closed(), "channel type " + type);
            assertEquals("unexpected MIGRATE_DATA", r.socket().closeReason());
        }
    }

    @Test
    void cursorAndSoundIgnoreIt() {
        for (int type : new int[] {ChannelType.CURSOR, ChannelType.PLAYBACK, ChannelType.RECORD}) {
            assertFalse(run(type, DATA).socket().closed(), "channel type " + type);
        }
    }

    @Test
    void anEmptyOneClosesAnyChannel() {
        assertTrue(run(ChannelType.CURSOR, Msg.empty(ChannelClient.MSGC_MIGRATE_DATA)).socket().closed());
    }

    @Test
    void anUnexpectedFlushMarkClosesTheChannelOnly() {
        ChannelFuzzing.Run r = run(ChannelType.MAIN, Msg.empty(ChannelClient.MSGC_MIGRATE_FLUSH_MARK));
        assertEquals("unexpected MIGRATE_FLUSH_MARK", r.socket().closeReason());
    }
}
