/**
 * Codec leaf module: G.711, Ogg, Ogg Opus, libopus loader, WAV, crash-safe files; RTP packet
 * decoders (G.711, G.722, G.729, Opus) behind PacketDecoder and the resampler.
 */
export * from "./g711.ts";
export * from "./ogg.ts";
export * from "./ogg_stream_writer.ts";
export * from "./opus_head.ts";
export * from "./opus_encoder.ts";
export * from "./opus_packet.ts";
export * from "./opus_ogg_writer.ts";
export * from "./opus_decode.ts";
export * from "./wav.ts";
export * from "./recording_file.ts";
export * from "./packet_decoder.ts";
export * from "./resample.ts";
export * from "./g729.ts";
