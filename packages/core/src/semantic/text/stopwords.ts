// English function words: they carry grammar, not the topic, so the offline embedder gives them almost no weight.
export const STOPWORDS: ReadonlySet<string> = new Set(
  ('a an the and or but if then so than that this these those there here of to in on at by for with from into onto ' +
  'about as is am are was were be been being do does did done have has had having can could will would shall ' +
  'should may might must i me my mine we us our you your yours he him his she her it its they them their ' +
  'what which how please tell show give let just also very really any some ' +
  'one ones up out over under again more most much many such own same too only s t would get got go going ' +
  'way like want need know think make explain describe help thanks hi hello hey kindly could possible').split(' '),
);
