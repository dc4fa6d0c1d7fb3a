import { DomainError } from '../errors.js';
import { assertTransition, checkTransition, TransitionTable } from './transition-table.js';

type Light = 'red' | 'green' | 'amber';
const LIGHTS: TransitionTable<Light> = { red: ['green'], green: ['amber'], amber: ['red'] };

function thrownBy(run: () => void): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return null;
}

describe('transition tables', () => {
  it('should allow a move when the table lists it and name both ends when it does not', () => {
    expect(checkTransition(LIGHTS, 'light', 'red', 'green')).toEqual({ allowed: true });
    expect(checkTransition(LIGHTS, 'light', 'red', 'amber')).toEqual({
      allowed: false,
      reason: 'a light cannot go from red to amber',
    });
  });

  it('should throw nothing when asserting a move the table lists', () => {
    expect(thrownBy(() => assertTransition(LIGHTS, 'light', 'green', 'amber'))).toBeNull();
  });

  it('should throw a 409 conflict with the table reason when asserting a move it does not list', () => {
    const err = thrownBy(() => assertTransition(LIGHTS, 'light', 'green', 'red'));
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'conflict',
      status: 409,
      message: 'a light cannot go from green to red',
    });
  });

  it('should throw the given detail instead when the caller names one', () => {
    const err = thrownBy(() =>
      assertTransition(LIGHTS, 'light', 'amber', 'green', 'only red turns green'),
    );
    expect(err).toMatchObject({ code: 'conflict', status: 409, message: 'only red turns green' });
  });
});
