/**
 * Image codecs of the SPICE display channel, one per class, each a pure function from decoded pixels to the bytes
 * a client's decoder reads (spice-common's LZ and QUIC and spice-gtk's GLZ decoders define the formats). Display
 * worker thread; no state survives a call except what a class documents (the GLZ image ids of a client session).
 */
package org.spicejava.core.compress;
