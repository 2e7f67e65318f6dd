/** RTP leaf module: packet parsing, sequence math, jitter buffer, stats, ports, capture. */
export * from "./packet.ts";
export * from "./rtcp.ts";
export * from "./seq.ts";
export * from "./jitter_buffer.ts";
export * from "./stream_stats.ts";
export * from "./port_pool.ts";
export * from "./udp_capture.ts";
