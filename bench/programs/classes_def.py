"""Particle simulation with classes, methods returning new instances, subclass + super.

The Jactl twin uses untyped (`def`) fields, parameters and variables.
"""

KIND = "def"
N = 60_000
QUICK_N = 30


class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def plus(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def scale(self, k):
        return Vec(self.x * k, self.y * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y


class Body:
    def __init__(self, pos, vel, mass):
        self.pos = pos
        self.vel = vel
        self.mass = mass

    def step(self, dt):
        return Body(self.pos.plus(self.vel.scale(dt)), self.vel, self.mass)

    def energy(self):
        return 0.5 * self.mass * self.vel.dot(self.vel)


class Charged(Body):
    def __init__(self, pos, vel, mass, charge):
        super().__init__(pos, vel, mass)
        self.charge = charge

    def step(self, dt):
        moved = super().step(dt)
        return Charged(pos=moved.pos, vel=moved.vel.scale(0.999), mass=self.mass,
                       charge=self.charge)

    def energy(self):
        return super().energy() + self.charge * 0.25


def run(n):
    bodies = []
    for i in range(10):
        p = Vec(i * 1.5, i * -0.5)
        v = Vec(1.0 / (i + 1), i * 0.125)
        if i % 2 == 0:
            bodies.append(Body(p, v, 1.0 + i))
        else:
            bodies.append(Charged(pos=p, vel=v, mass=2.0, charge=i * 0.5))

    for _ in range(n // 10):
        bodies = [body.step(0.01) for body in bodies]

    total = 0.0
    for body in bodies:
        total += body.energy() + body.pos.x + body.pos.y
    return total
