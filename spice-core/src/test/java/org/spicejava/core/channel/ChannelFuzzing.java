package org.spicejava.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Function;

import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.FakeSocket;
import org.spicejava.core.net.SocketConnection;

/**
 * Runs one channel client over a fuzz input, through a real {@link SocketConnection} on a {@link FakeSocket}.
 * Input layout: byte 0 says how the client linked and how its bytes arrive (bit 0: mini header; bits 1-7: read
 * size - 1); the rest is the client's byte stream after the link. The client must either handle the stream or close
 * the channel with a reason: an exception escaping a parser closes it too (the connection catches it), and that is
 * the finding this turns into a failure. What the server wrote must be whole, well-formed messages.
 */
public final class ChannelFuzzing {
    private ChannelFuzzing() {
    }

    /** A client made for a connection and the link it came with. */
    public interface ClientFactory {
        ChannelClient create(SocketConnection connection, LinkMessage link);
    }

    /** The outcome, for target-specific checks. */
    public record Run(FakeSocket socket, ChannelClient client, boolean mini) {
    }

    public static Run run(byte[] input, int channelType, int[] channelCaps, ClientFactory factory) {
        int flags = input.length == 0 ? 0 : Byte.toUnsignedInt(input[0]);
        boolean mini = (flags & 1) != 0;
        int chunk = (flags >>> 1) + 1;
        byte[] stream = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
        LinkMessage link = new LinkMessage(0, channelType, 0, new int[] {mini ? 1 << LinkStage.CAP_MINI_HEADER : 0},
                channelCaps);
        FakeSocket socket = new FakeSocket();
        ChannelClient client = factory.create(socket.connection(), link);
        client.start();
        socket.receive(stream, chunk);
        socket.writable();
        String reason = socket.closeReason();
        if (reason != null && reason.startsWith("handler error")) {
            fail("a client message escaped the channel's checks: " + reason);
        }
        assertEquals(socket.closed(), client.closed());
        checkServerMessages(socket, mini);
        return new Run(socket, client, mini);
    }

    /** Everything the server wrote parses as whole messages with the channel's header. */
    public static void checkServerMessages(FakeSocket socket, boolean mini) {
        byte[] out = socket.written();
        if (out.length != socket.writtenBytes()) {
            return; // cut at the fake's limit: whole messages cannot be told
        }
        ByteBuffer in = ByteBuffer.wrap(out);
        new MessageFramer(mini, Integer.MAX_VALUE).decode(in, (type, body) -> { });
        assertEquals(0, in.remaining(), "the server's output ends in a partial message");
    }

    /** A seed: the flags byte, then client messages framed as the flags say. */
    public static byte[] seed(boolean mini, int chunk, Msg... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((mini ? 1 : 0) | (chunk - 1) << 1);
        MessageFramer framer = new MessageFramer(mini, Integer.MAX_VALUE);
        long serial = 0;
        for (Msg m : messages) {
            ByteBuffer framed = framer.encode(++serial, m.type, ByteBuffer.wrap(m.body));
            byte[] bytes = new byte[framed.remaining()];
            framed.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    /** One client message for a seed. */
    public record Msg(int type, byte[] body) {
        public static Msg of(int type, Function<ByteBuffer, ByteBuffer> body) {
            ByteBuffer b = body.apply(ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN)).flip();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return new Msg(type, bytes);
        }

        public static Msg empty(int type) {
            return new Msg(type, new byte[0]);
        }
    }

    /** Common messages every channel takes: ACK_SYNC, a few ACKs, a PONG. */
    public static Msg[] common() {
        return new Msg[] {Msg.of(ChannelClient.MSGC_ACK_SYNC, b -> b.putInt(1)), Msg.empty(ChannelClient.MSGC_ACK),
                Msg.empty(ChannelClient.MSGC_ACK), Msg.of(ChannelClient.MSGC_PONG, b -> b.putInt(1).putLong(0))};
    }
}
