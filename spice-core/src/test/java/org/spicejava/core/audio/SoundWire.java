package org.spicejava.core.audio;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.spicejava.core.channel.MessageFramer;
import org.spicejava.core.link.LinkMessage;
import org.spicejava.core.link.LinkStage;
import org.spicejava.core.net.FakeSocket;

/** A sound client's link and the server messages it received, for the audio tests. */
final class SoundWire {
    /** One server message: its type and body. */
    record Message(int type, ByteBuffer body) {
    }

    private SoundWire() {
    }

    /** A link with the mini header and the given channel capability bits. */
    static LinkMessage link(int channelType, int channelCaps) {
        return new LinkMessage(1, channelType, 0, new int[] {1 << LinkStage.CAP_MINI_HEADER},
                new int[] {channelCaps});
    }

    /** Every message the server wrote so far, in order. */
    static List<Message> messages(FakeSocket socket) {
        List<Message> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(socket.written());
        new MessageFramer(true, Integer.MAX_VALUE).decode(in, (type, body) -> {
            ByteBuffer copy = ByteBuffer.allocate(body.remaining()).order(body.order()).put(body.duplicate()).flip();
            out.add(new Message(type, copy));
        });
        return out;
    }

    static List<Integer> types(FakeSocket socket) {
        return messages(socket).stream().map(Message::type).toList();
    }

    /** A client message framed with the mini header. */
    static byte[] clientMessage(int type, ByteBuffer body) {
        ByteBuffer framed = new MessageFramer(true, Integer.MAX_VALUE).encode(1, type, body);
        byte[] bytes = new byte[framed.remaining()];
        framed.get(bytes);
        return bytes;
    }
}
