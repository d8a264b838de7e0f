package org.spicejava.core.mainchannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.spicejava.core.FuzzSeeds;
import org.spicejava.core.channel.ChannelClient;
import org.spicejava.core.channel.ChannelFuzzing;
import org.spicejava.core.channel.ChannelFuzzing.Msg;
import org.spicejava.core.migration.MigrationData;
import org.spicejava.core.protocol.ChannelType;
import org.spicejava.core.server.SpiceServer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The main channel's client message handling over any stream (layout: {@link ChannelFuzzing}), for a new client and
 * for one arriving with its migrated VM (nothing but MIGRATE_END counts until it arrives).
 */
class MainChannelFuzzTest {
    @FuzzTest
    void clientMessages(byte[] input) {
        SpiceServer server = new SpiceServer();
        server.addCharDevice("vdagent", null); // an agent, so client mouse mode can be asked for and granted
        server.primarySurfaceChanged(0, 640, 480, true); // ... once a display allows it
        ChannelFuzzing.run(input, ChannelType.MAIN, new int[] {MainChannelClient.SERVER_CAPS},
                (connection, link) -> new MainChannelClient(connection, link, server, 1,
                        () -> List.of(new MainChannelClient.ChannelId(ChannelType.INPUTS, 0))));
        int mode = server.mouseMode();
        assertTrue(mode == SpiceServer.MOUSE_MODE_SERVER || mode == SpiceServer.MOUSE_MODE_CLIENT,
                "mouse mode " + mode);
    }

    @FuzzTest
    void arrivingClientMessages(byte[] input) {
        SpiceServer server = new SpiceServer();
        int[] arrivals = {0};
        ChannelFuzzing.Run run = ChannelFuzzing.run(input, ChannelType.MAIN,
                new int[] {1 << MainChannelClient.CAP_SEMI_SEAMLESS_MIGRATE},
                (connection, link) -> {
                    MainChannelClient main = MainChannelClient.arriving(connection, link, server, 7, List::of);
                    main.session(new MainChannelClient.Session() {
                        @Override
                        public void arrived() {
                            arrivals[0]++;
                        }

                        @Override
                        public boolean arriveSeamlessly(int sourceVersion) {
                            main.awaitMigrationData(() -> {
                                main.arrivedSeamlessly();
                                arrivals[0]++;
                            });
                            return sourceVersion == 1;
                        }

                        @Override
                        public boolean canMigrateSeamlessly() {
                            return true;
                        }

                        @Override
                        public void migrateChannels() {
                        }
                    });
                    return main;
                });
        assertTrue(arrivals[0] <= 1, "arrives once");
        assertEquals(arrivals[0] == 1, !((MainChannelClient) run.client()).arriving(), "arrived when told so");
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Msg attach = Msg.empty(MainChannelClient.MSGC_ATTACH_CHANNELS);
        Msg clientMouse = Msg.of(MainChannelClient.MSGC_MOUSE_MODE_REQUEST, b -> b.putShort((short) 2));
        Msg serverMouse = Msg.of(MainChannelClient.MSGC_MOUSE_MODE_REQUEST, b -> b.putShort((short) 1));
        seeds.put("session-start", ChannelFuzzing.seed(true, 128, attach, clientMouse,
                Msg.of(MainChannelClient.MSGC_AGENT_START, b -> b.putInt(10)),
                Msg.of(MainChannelClient.MSGC_AGENT_DATA, b -> b.putInt(1).putInt(2).putLong(0).putInt(0)),
                Msg.of(MainChannelClient.MSGC_AGENT_TOKEN, b -> b.putInt(5)), serverMouse));
        seeds.put("full-header-byte-reads", ChannelFuzzing.seed(false, 1, attach, clientMouse));
        seeds.put("common-messages", ChannelFuzzing.seed(true, 7, ChannelFuzzing.common()));
        seeds.put("obsolete-and-migration", ChannelFuzzing.seed(true, 64,
                Msg.of(MainChannelClient.MSGC_CLIENT_INFO, b -> b.putLong(0)),
                Msg.empty(MainChannelClient.MSGC_MIGRATE_CONNECTED), Msg.empty(MainChannelClient.MSGC_MIGRATE_END),
                Msg.empty(ChannelClient.MSGC_MIGRATE_FLUSH_MARK), Msg.empty(ChannelClient.MSGC_DISCONNECTING)));
        seeds.put("short-mouse-request", ChannelFuzzing.seed(true, 128,
                new Msg(MainChannelClient.MSGC_MOUSE_MODE_REQUEST, new byte[1])));
        seeds.put("migration-answers", ChannelFuzzing.seed(true, 64,
                Msg.empty(MainChannelClient.MSGC_MIGRATE_CONNECT_ERROR),
                Msg.empty(MainChannelClient.MSGC_MIGRATE_CONNECTED_SEAMLESS),
                Msg.of(MainChannelClient.MSGC_MIGRATE_DST_DO_SEAMLESS, b -> b.putInt(1)),
                new Msg(MainChannelClient.MSGC_MIGRATE_DST_DO_SEAMLESS, new byte[3])));
        return seeds;
    }

    static Map<String, byte[]> arrivingSeeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Msg attach = Msg.empty(MainChannelClient.MSGC_ATTACH_CHANNELS);
        Msg end = Msg.empty(MainChannelClient.MSGC_MIGRATE_END);
        seeds.put("arrival", ChannelFuzzing.seed(true, 32, attach,
                Msg.of(MainChannelClient.MSGC_AGENT_START, b -> b.putInt(10)),
                Msg.of(MainChannelClient.MSGC_MIGRATE_DST_DO_SEAMLESS, b -> b.putInt(1)), end, attach, end,
                Msg.of(MainChannelClient.MSGC_MOUSE_MODE_REQUEST, b -> b.putShort((short) 1))));
        seeds.put("arrival-byte-reads", ChannelFuzzing.seed(false, 1, end, attach));
        seeds.put("seamless-arrival", ChannelFuzzing.seed(true, 16,
                Msg.of(MainChannelClient.MSGC_MIGRATE_DST_DO_SEAMLESS, b -> b.putInt(1)),
                new Msg(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.mainWithoutAgent().array()), attach, end,
                new Msg(ChannelClient.MSGC_MIGRATE_DATA, MigrationData.inputs(1).array())));
        return seeds;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds.write(Path.of(args[0]), MainChannelFuzzTest.class, "clientMessages", seeds());
        FuzzSeeds.write(Path.of(args[0]), MainChannelFuzzTest.class, "arrivingClientMessages", arrivingSeeds());
    }
}
