/**
 * The guest agent (spice-vdagent) data path, as the reference server's reds agent code and agent-msg-filter do it.
 *
 * <p>{@link org.spicejava.core.agent.AgentDevice} owns the vdagent char device: it splits the guest's stream into
 * VDIChunkHeader chunks and 2048-byte pieces ({@link org.spicejava.core.agent.VdiChunkReader}), checks both
 * directions with {@link org.spicejava.core.agent.AgentMessageFilter}, runs the token flow control of the main
 * channel's AGENT_START / AGENT_DATA / AGENT_TOKEN, sends the agent the client's mouse in client mode, and hands the
 * client's monitors config to the QXL devices when they take it
 * ({@link org.spicejava.core.agent.MonitorsConfigAssembler}). Wire constants and the reference's limits are in
 * {@link org.spicejava.core.agent.AgentProtocol}; the message layouts are spice-protocol's vd_agent.h.
 *
 * <p>Bad input: a guest that breaks the stream (wrong protocol, a message longer than its header says, a short
 * header, an unknown port) has its agent detached until it opens the port again; a client that breaks it (the
 * same, a chunk over 2048 bytes, AGENT_DATA beyond its tokens, a monitors config over 256 monitors or claiming
 * more monitors than it carries) is disconnected. One log line each; the rest of the server keeps working.
 */
package org.spicejava.core.agent;
