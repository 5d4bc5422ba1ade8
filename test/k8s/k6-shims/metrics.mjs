// Node stand-in for k6's `k6/metrics`.
export class Counter {
  constructor(name) {
    this.name = name;
    this.value = 0;
  }

  add(amount) {
    this.value += amount;
  }
}
