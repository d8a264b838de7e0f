package org.spicejava.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.protocol.ChannelType;

/**
 * The base channel's part in a seamless migration: the source sends MIGRATE with the channel type's flags, holds
 * everything back after it, and answers the client's FLUSH_MARK with the channel's MIGRATE_DATA; the destination
 * hands the client's MIGRATE_DATA to the channel and refuses bad data by closing the channel.
 * Migration messages a client sends when no seamless migration asked for them are answered as the reference does
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

    /** A channel client on a fake socket whose migration data is fixed and whose restores are recorded. */
    static final class Probe extends ChannelClient {
        final List<String> restored = new ArrayList<>();

        Probe(FakeSocket socket, int type) {
            super(socket.connection(), new LinkMessage(0, type, 0, new int[] {1 << LinkStage.CAP_MINI_HEADER},
                    new int[0]), 4096);
        }

        @Override
        protected void onStart() {
        }

        @Override
        protected boolean handle(int t, ByteBuffer body) {
            return false;
        }

        @Override
        protected ByteBuffer migrationData() {
            return MigrationData.inputs(7);
        }

        @Override
        protected void restoreMigrationData(ByteBuffer body) throws MigrationData.BadDataException {
            restored.add("motions " + MigrationData.parseInputs(body));
        }
    }

    static byte[] framed(int type, ByteBuffer body) {
        ByteBuffer b = new MessageFramer(true, 4096).encode(1, type, body);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The mini-header messages in {@code bytes}, as "type:hex-body". */
    static List<String> messages(byte[] bytes) {
        List<String> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (in.remaining() >= 6) {
            int type = Short.toUnsignedInt(in.getShort());
            byte[] body = new byte[in.getInt()];
            in.get(body);
            out.add(type + ":" + java.util.HexFormat.of().formatHex(body));
        }
        return out;
    }

    @Test
    void theSourceSendsMigrateThenOnlyItsDataAfterTheFlushMark() {
        FakeSocket socket = new FakeSocket();
        Probe p = new Probe(socket, ChannelType.INPUTS);
        p.start();
        p.migrate();
        p.send(101, ByteBuffer.allocate(2)); // held back: the client expects MIGRATE_DATA next
        p.migrate(); // once
        assertEquals(List.of("1:03000000"), messages(socket.written()));
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_FLUSH_MARK, ByteBuffer.allocate(0)), 64);
        assertEquals(List.of("1:03000000", "2:49434d44010000000700"), messages(socket.written()));
        p.send(101, ByteBuffer.allocate(2));
        assertEquals(2, messages(socket.written()).size(), "nothing after the data either");
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_FLUSH_MARK, ByteBuffer.allocate(0)), 64);
        assertTrue(socket.closed(), "a second flush mark is unexpected");
    }

    @Test
    void cursorAndSoundMigrateWithoutData() {
        for (int type : new int[] {ChannelType.CURSOR, ChannelType.PLAYBACK, ChannelType.RECORD}) {
            FakeSocket socket = new FakeSocket();
            Probe p = new Probe(socket, type);
            p.start();
            p.migrate();
            assertEquals(List.of("1:00000000"), messages(socket.written()));
            assertTrue(p.migrating());
        }
    }

    @Test
    void theDestinationRestoresTheDataOnceAndThenStartsOver() {
        FakeSocket socket = new FakeSocket();
        Probe p = new Probe(socket, ChannelType.INPUTS);
        int[] arrived = {0};
        p.awaitMigrationData(() -> arrived[0]++);
        p.start();
        assertTrue(p.awaitingMigrationData());
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.inputs(9)), 64);
        assertEquals(List.of("motions 9"), p.restored);
        assertEquals(1, arrived[0]);
        assertFalse(p.awaitingMigrationData());
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.inputs(9)), 64);
        assertEquals("unexpected MIGRATE_DATA", socket.closeReason(), "a second one is unasked");
    }

    @Test
    void badDataClosesTheChannelAndNothingArrives() {
        for (ByteBuffer bad : List.of(ByteBuffer.allocate(3), MigrationData.inputs(1).putInt(4, 2).rewind(),
                MigrationData.mainWithoutAgent())) {
            FakeSocket socket = new FakeSocket();
            Probe p = new Probe(socket, ChannelType.INPUTS);
            int[] arrived = {0};
            p.awaitMigrationData(() -> arrived[0]++);
            p.start();
            socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, bad), 64);
            assertEquals("bad migration data", socket.closeReason());
            assertEquals(0, arrived[0]);
        }
    }

    @Test
    void channelsThatDoNotRestoreCheckTheHeaderOfTheirKind() {
        FakeSocket socket = new FakeSocket();
        ChannelClient c = new ChannelClient(socket.connection(), new LinkMessage(0, ChannelType.USBREDIR, 0,
                new int[] {1 << LinkStage.CAP_MINI_HEADER}, new int[0]), 4096) {
            @Override
            protected void onStart() {
            }

            @Override
            protected boolean handle(int t, ByteBuffer body) {
                return false;
            }
        };
        int[] arrived = {0};
        c.awaitMigrationData(() -> arrived[0]++);
        c.start();
        ByteBuffer vmc = ByteBuffer.allocate(8 + 25).order(ByteOrder.LITTLE_ENDIAN).putInt(0x444d5653).putInt(1)
                .putInt(1);
        socket.receive(framed(ChannelClient.MSGC_MIGRATE_DATA, vmc.rewind()), 64);
        assertEquals(1, arrived[0]);
        assertFalse(socket.closed());
    }
}
