package org.spicejava.core.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The seamless migration data in the reference's formats: the bodies Debian's library sent raw main, inputs and
 * display channels (a SeaBIOS VM, seamless-migration=on, after MIGRATE and the client's FLUSH_MARK) parse to what
 * they say and are made again byte for byte; truncated, foreign, newer and hostile ones are refused.
 */
class MigrationDataTest {
    static final String MAIN = "4d4e4d4401000000010000000000000000000000000000000000000000000000000000000000000000"
            + "000000000000000000000000000000000000000000000000";
    static final String INPUTS = "49434d44010000000000";
    static final String DISPLAY = "44434d440100000010000000000000000001002d3101000000000100000000000000000000000000"
            + "0000000000000000000000000000000000000001c0c62d0004000000070000000000000050000000"
            + "0100000000000000";

    static ByteBuffer bytes(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN);
    }

    static String hex(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return HexFormat.of().formatHex(out);
    }

    @Test
    void mainWithoutAnAgentAsTheReference() throws Exception {
        assertEquals(65, bytes(MAIN).remaining());
        assertEquals(MAIN, hex(MigrationData.mainWithoutAgent()));
        assertFalse(MigrationData.parseMain(bytes(MAIN)).agentConnected());
    }

    @Test
    void mainWithAnAgentSaysSo() throws Exception {
        ByteBuffer b = bytes(MAIN);
        b.put(12, (byte) 1).put(8 + 25, (byte) 1);
        MigrationData.Main m = MigrationData.parseMain(b);
        assertTrue(m.agentConnected());
        assertTrue(m.agent().clientAgentStarted());
    }

    @Test
    void mainWithAnIdleAgentInTheReferencesLayout() throws Exception {
        ByteBuffer b = MigrationData.mainWithAgent(MigrationData.Agent.idle(17, 0x1_0000_0005L, true));
        assertEquals(65, b.remaining());
        assertEquals(MAIN.substring(0, 16), hex(b.duplicate().limit(8)), "magic and version");
        assertEquals(1, b.getInt(8), "char device version");
        assertEquals(1, b.get(12), "connected");
        assertEquals(17, b.getInt(13), "num_client_tokens");
        assertEquals(-1, b.getInt(17), "num_send_tokens, at most a u32");
        assertEquals(0, b.getInt(21) | b.getInt(25) | b.getInt(29), "nothing written to the device is pending");
        assertEquals(1, b.get(33), "client_agent_started");
        for (int i = 34; i < 65; i++) {
            assertEquals(0, b.get(i), "both ways at a message boundary: byte " + i);
        }
        MigrationData.Agent a = MigrationData.parseMain(b).agent();
        assertTrue(a.clientAgentStarted());
        assertEquals(17, a.clientTokens());
        assertEquals(0xffff_ffffL, a.sendTokens());
        assertEquals(0, a.pendingForDevice().length + a.chunkHeader().length + a.partialMessageHeader().length);
    }

    @Test
    void anAgentInTheMiddleOfMessagesInTheReferencesLayout() throws Exception {
        // Two buffers for the device (5 bytes, 2 of the client's tokens), a whole chunk header from the guest on
        // port 1 with 300 bytes of it left, the read filter 280 bytes into a message it passes (OK), the write
        // filter 7 bytes short of a message it discards (DISCARD).
        byte[] header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(300).array();
        MigrationData.Agent a = new MigrationData.Agent(6, 9, true, new byte[] {1, 2, 3, 4, 5}, 2, header,
                new byte[0], 280, 0, 7, 1);
        String expected = "4d4e4d4401000000" + "01000000" + "01" + "06000000" + "09000000" + "05000000" + "02000000"
                + "41000000" // write_data_ptr 65: after the struct
                + "01" // client_agent_started
                + "08000000" + "01000000" + "2c010000" + "01" + "00000000" + "00000000" + "18010000" + "00"
                + "07000000" + "01" + "0102030405";
        ByteBuffer b = MigrationData.mainWithAgent(a);
        assertEquals(expected, hex(b));
        MigrationData.Agent back = MigrationData.parseMain(b).agent();
        assertArrayEquals(a.pendingForDevice(), back.pendingForDevice());
        assertEquals(2, back.pendingClientTokens());
        assertArrayEquals(header, back.chunkHeader());
        assertEquals(280, back.fromAgentRemaining());
        assertEquals(7, back.toAgentRemaining());
        assertEquals(1, back.toAgentResult());

        // A message header begun (3 bytes) after a whole chunk header: msg_header_done 0, its bytes after the
        // device's; the read filter's position is not written (the next piece starts a message).
        MigrationData.Agent begun = new MigrationData.Agent(10, 10, true, new byte[] {9}, 0, header,
                new byte[] {7, 7, 7}, 0, 0, 0, 0);
        ByteBuffer c = MigrationData.mainWithAgent(begun);
        assertEquals(65 + 1 + 3, c.remaining());
        assertEquals(0, c.getInt(25), "no client tokens in the device's bytes");
        assertEquals(65, c.getInt(29));
        assertEquals(0, c.get(46), "msg_header_done");
        assertEquals(3, c.getInt(47));
        assertEquals(66, c.getInt(51), "msg_header_ptr: after the device's bytes");
        MigrationData.Agent cb = MigrationData.parseMain(c).agent();
        assertArrayEquals(new byte[] {7, 7, 7}, cb.partialMessageHeader());
        assertArrayEquals(new byte[] {9}, cb.pendingForDevice());

        // Half a chunk header: its bytes, msg_header_done 0.
        ByteBuffer d = MigrationData.mainWithAgent(new MigrationData.Agent(10, 10, false, new byte[0], 0,
                new byte[] {1, 0, 0}, new byte[0], 0, 0, 0, 0));
        assertEquals(3, d.getInt(34));
        assertEquals("010000" + "0000000000", hex(d.duplicate().position(38).limit(46)));
        assertArrayEquals(new byte[] {1, 0, 0}, MigrationData.parseMain(d).agent().chunkHeader());
    }

    @Test
    void hostileAgentStatesAreRefused() {
        byte[] header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(-1).array();
        MigrationData.Agent begun = new MigrationData.Agent(10, 10, true, new byte[0], 0, header,
                new byte[] {1, 1}, 0, 0, 0, 0);
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(MigrationData.mainWithAgent(begun)), "a chunk past 4 GiB");
        ByteBuffer idle = MigrationData.mainWithAgent(MigrationData.Agent.idle(10, 10, true));
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(idle.duplicate().order(ByteOrder.LITTLE_ENDIAN).putInt(34, 9)),
                "a chunk header of 9 bytes");
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(idle.duplicate().order(ByteOrder.LITTLE_ENDIAN).putInt(47, 5)
                        .putInt(51, 60)), "a message header begun inside the struct");
        ByteBuffer wholeHeader = MigrationData.mainWithAgent(new MigrationData.Agent(10, 10, true, new byte[0], 0,
                new byte[8], new byte[] {1}, 0, 0, 0, 0));
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(wholeHeader.duplicate().order(ByteOrder.LITTLE_ENDIAN).putInt(47, 20)),
                "a message header of 20 bytes, past the body too");
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(idle.duplicate().put(64, (byte) 4)), "no such filter result");
        ByteBuffer done = MigrationData.mainWithAgent(new MigrationData.Agent(10, 10, true, new byte[0], 0,
                new byte[8], new byte[0], 5, 0, 0, 0));
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseMain(done.duplicate().put(59, (byte) 9)), "no such filter result");
    }

    @Test
    void spicevmcInTheReferencesLayout() throws Exception {
        // SpiceMigrateDataHeader "SVMD" v1, then SpiceMigrateDataCharDevice: version 1, connected, the tokens of a
        // device without flow control (~0 both), write_size 3, no client tokens, write_data_ptr 33 (from the
        // body's start), and the bytes there.
        String expected = "53564d4401000000" + "01000000" + "01" + "ffffffff" + "ffffffff" + "03000000"
                + "00000000" + "21000000" + "0a0b0c";
        ByteBuffer b = MigrationData.spicevmc(new byte[] {10, 11, 12});
        assertEquals(expected, hex(b));
        assertArrayEquals(new byte[] {10, 11, 12}, MigrationData.parseSpicevmc(b));
        assertEquals(0, MigrationData.parseSpicevmc(MigrationData.spicevmc(new byte[0])).length);
    }

    @Test
    void smartcardInTheReferencesLayout() throws Exception {
        // "SCMD" v1; without a reader: an empty char device state (its version), reader_added 0, no partial read.
        assertEquals("53434d4401000000" + "01000000" + "00".repeat(21) + "00" + "00".repeat(8),
                hex(MigrationData.smartcard(new MigrationData.Smartcard(false, false, new byte[0], new byte[0]))));
        // With one: the char device (its bytes at 42), reader_added, the partial message's size and place (43),
        // then the device's bytes and the partial message.
        ByteBuffer b = MigrationData.smartcard(
                new MigrationData.Smartcard(true, true, new byte[] {7}, new byte[] {8, 9}));
        assertEquals("53434d4401000000" + "01000000" + "01" + "ffffffff" + "ffffffff" + "01000000" + "00000000"
                + "2a000000" + "01" + "02000000" + "2b000000" + "07" + "0809", hex(b));
        MigrationData.Smartcard s = MigrationData.parseSmartcard(b);
        assertTrue(s.attached());
        assertTrue(s.readerAdded());
        assertArrayEquals(new byte[] {7}, s.pendingForDevice());
        assertArrayEquals(new byte[] {8, 9}, s.partialRead());
        ByteBuffer past = MigrationData.smartcard(
                new MigrationData.Smartcard(true, false, new byte[0], new byte[] {1}));
        past.putInt(8 + 26, 1 << 20); // a partial message larger than the body
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseSmartcard(past));
    }

    @Test
    void hostileSpicevmcDataIsRefused() {
        ByteBuffer newer = MigrationData.spicevmc(new byte[] {1});
        newer.putInt(8, 2);
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseSpicevmc(newer));
        ByteBuffer before = MigrationData.spicevmc(new byte[] {1});
        before.putInt(8 + 21, 4); // the bytes would overlap the header
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseSpicevmc(before));
        ByteBuffer past = MigrationData.spicevmc(new byte[] {1});
        past.putInt(8 + 21, -1); // 4 GiB - 1: far past the end
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseSpicevmc(past));
    }

    @Test
    void inputsAsTheReference() throws Exception {
        assertEquals(INPUTS, hex(MigrationData.inputs(0)));
        assertEquals(3, MigrationData.parseInputs(MigrationData.inputs(3)));
        assertEquals(0xffff, MigrationData.parseInputs(MigrationData.inputs(0xffff)));
    }

    @Test
    void displayAsTheReference() throws Exception {
        MigrationData.Display d = MigrationData.parseDisplay(bytes(DISPLAY), false);
        assertEquals(16, d.messageSerial());
        assertFalse(d.lowBandwidth());
        assertEquals(1, d.pixmapCacheId());
        assertEquals(20_000_000, d.pixmapCacheSize());
        assertTrue(d.pixmapCacheFreezer());
        assertArrayEquals(new long[4], d.pixmapCacheClients());
        assertEquals(1, d.glzDictionaryId());
        assertEquals(3_000_000, d.glzWindowPixels());
        assertEquals(4, d.glzMaxEncoders());
        assertEquals(7, d.glzNextImageId());
        assertEquals(1, d.surfaces().size());
        assertEquals(0, d.surfaces().getFirst().id());
        assertNull(d.surfaces().getFirst().lossyLeftTopRightBottom());
        assertEquals(DISPLAY, hex(MigrationData.display(d, false)));
    }

    @Test
    void lossySurfacesCarryTheirRectangle() throws Exception {
        MigrationData.Display d = new MigrationData.Display(5, true, 1, 100, false, new long[4], 2, 1000, 4, 9,
                List.of(new MigrationData.Surface(0, new int[] {1, 2, 3, 4}), new MigrationData.Surface(3, null)));
        ByteBuffer b = MigrationData.display(d, true);
        assertEquals(8 + 72 + 4 + 2 * 20, b.remaining());
        MigrationData.Display back = MigrationData.parseDisplay(b, true);
        assertArrayEquals(new int[] {1, 2, 3, 4}, back.surfaces().getFirst().lossyLeftTopRightBottom());
        assertArrayEquals(new int[4], back.surfaces().get(1).lossyLeftTopRightBottom());
        assertEquals(3, back.surfaces().get(1).id());
    }

    @Test
    void tooShortIsRefused() {
        ByteBuffer shortMain = bytes(MAIN).limit(64);
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseMain(shortMain));
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseInputs(bytes(INPUTS).limit(9)));
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseDisplay(bytes(DISPLAY).limit(79), false));
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseMain(ByteBuffer.allocate(0)));
    }

    @Test
    void aNewerVersionIsRefusedAnOlderTaken() throws Exception {
        ByteBuffer newer = bytes(INPUTS).putInt(4, 2);
        MigrationData.BadDataException e = assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseInputs(newer));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseInputs(bytes(INPUTS).putInt(4, -1)));
        assertEquals(0, MigrationData.parseInputs(bytes(INPUTS).putInt(4, 0)));
    }

    @Test
    void anotherChannelsDataIsRefused() {
        assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseMain(bytes(DISPLAY)));
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.check(bytes(MAIN), MigrationData.Kind.SPICEVMC));
    }

    @Test
    void hostileSurfaceListsAreRefused() {
        for (int at : new int[] {0, 79, 88, 85, -4}) {
            ByteBuffer b = bytes(DISPLAY).putInt(76, at);
            assertThrows(MigrationData.BadDataException.class, () -> MigrationData.parseDisplay(b, false),
                    "list at " + at);
        }
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseDisplay(bytes(DISPLAY).putInt(80, 2), false), "two surfaces, one there");
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseDisplay(bytes(DISPLAY).putInt(80, -1), false), "2^32-1 surfaces");
        assertThrows(MigrationData.BadDataException.class,
                () -> MigrationData.parseDisplay(bytes(DISPLAY), true), "lossy entries are 20 bytes");
    }
}
